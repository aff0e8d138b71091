using NodeAgent.IntegrationTests.Cluster;
using NodeAgent.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace NodeAgent.IntegrationTests.Packaging;

/// <summary>
/// docs/operations.md's demo path: scripts/demo.sh runs the seed cluster on loopback, and the guide's reload, restart and
/// log commands work on it as under systemd. Its pid file names the agent, so <c>kill -HUP $(cat …/u4/pid)</c> reloads
/// (the agent's log under <c>log.dir</c> says so); <c>kill $(cat …/u5/pid)</c> then <c>scripts/demo.sh up</c> restarts
/// a stopped agent, which comes back as a streaming replica. The demo's fixed addresses (127.0.1.81-87) are shared with
/// scripts/bench.sh: the test holds their lock (/tmp/nodeagent-bench.lock) throughout.
/// </summary>
[Collection(AgentClusterSequence.Name)]
public sealed class DemoScriptTests(ITestOutputHelper output)
{
    private const string BenchLock = "/tmp/nodeagent-bench.lock";

    [Fact]
    public async Task The_demo_reloads_on_kill_HUP_of_its_pid_file_and_up_restarts_a_stopped_agent()
    {
        var repo = DebPackage.RepoRoot();
        var agent = RequiredBinary.Require(Path.Combine(repo, "out", "bin", "node-agent"), "(run scripts/build.sh: the demo runs the native binary)");
        using var benchLock = await FileLock.AcquireAsync(BenchLock, TimeSpan.FromMinutes(30));
        using var root = new TempDirectory("demo");
        File.SetUnixFileMode(root.Path, (UnixFileMode)0b111_101_101);
        var state = root.Combine("state");
        try
        {
            output.WriteLine(await DemoAsync(repo, state, "up"));
            var u4Log = Path.Combine(state, "u4", "log", "node-agent.log");
            var u4 = int.Parse(File.ReadAllText(Path.Combine(state, "u4", "pid")).Trim(), System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(agent, new FileInfo($"/proc/{u4}/exe").LinkTarget);
            Assert.DoesNotContain("reloaded configuration from", Read(u4Log), StringComparison.Ordinal);

            await BashAsync($"kill -HUP $(cat {state}/u4/pid)");
            await Poll.UntilAsync(
                () => Read(u4Log).Contains($"reloaded configuration from {state}/u4/config.yml", StringComparison.Ordinal),
                TimeSpan.FromSeconds(30),
                $"u4's log ({u4Log}) to say it reloaded");

            var u5 = File.ReadAllText(Path.Combine(state, "u5", "pid")).Trim();
            await BashAsync($"kill $(cat {state}/u5/pid)");
            await Poll.UntilAsync(() => !Directory.Exists($"/proc/{u5}"), TimeSpan.FromSeconds(90), $"u5's agent ({u5}) to stop on SIGTERM");
            Assert.Contains("u5: not running", await DemoAsync(repo, state, "status"), StringComparison.Ordinal);
            // up starts what is not running and returns once there are one leader and two streaming replicas again.
            output.WriteLine(await DemoAsync(repo, state, "up"));
            var status = await DemoAsync(repo, state, "status");
            Assert.Contains("u5: running", status, StringComparison.Ordinal);
            Assert.NotEqual(u5, File.ReadAllText(Path.Combine(state, "u5", "pid")).Trim());
            output.WriteLine(status);
        }
        finally
        {
            output.WriteLine(await DemoAsync(repo, state, "down"));
        }
        Assert.False(Directory.Exists(state), "scripts/demo.sh down left its state directory");
    }

    private static Task<string> DemoAsync(string repo, string state, string command) =>
        CommandRunner.RunAsync("/bin/bash", [Path.Combine(repo, "scripts", "demo.sh"), command], TimeSpan.FromMinutes(5), psi =>
        {
            psi.WorkingDirectory = repo;
            psi.Environment["NODEAGENT_DEMO_DIR"] = state;
            psi.Environment["NODEAGENT_DEMO_BUILD"] = "0";
            psi.Environment["NODEAGENT_DEMO_PROFILE"] = "fast";
        });

    /// <summary>The guide's command line as an operator types it (command substitution included).</summary>
    private static Task<string> BashAsync(string commandLine) => CommandRunner.RunAsync("/bin/bash", ["-c", commandLine]);

    private static string Read(string path) => File.Exists(path) ? ChildProcess.ReadTail(path, 100_000) : "";
}
