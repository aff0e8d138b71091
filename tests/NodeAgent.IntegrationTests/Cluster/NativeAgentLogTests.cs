using System.Text.RegularExpressions;
using NodeAgent.IntegrationTests.Fixtures;

namespace NodeAgent.IntegrationTests.Cluster;

/// <summary>
/// The native AOT binary (scripts/build.sh, as the .deb ships it) with Patroni's <c>log:</c> section: it writes
/// its log as a rotating file under <c>log.dir</c> in the configured format, and nothing of it to standard output.
/// </summary>
[Collection(AgentClusterSequence.Name)]
public sealed partial class NativeAgentLogTests
{
    [Fact]
    public async Task Native_agent_writes_a_rotating_log_file_in_the_configured_format()
    {
        var binary = NativeAgentBinary.Require();
        RequiredBinary.RequirePostgres("postgres");
        await using var etcd = await EtcdCluster.StartAsync(1);
        using var root = new TempDirectory("native-log");
        File.SetUnixFileMode(root.Path, (UnixFileMode)0b111_101_101);
        await PostgresUser.ChownToPostgresAsync(root.Path);
        await using var node = new AgentNode("it" + Guid.NewGuid().ToString("N")[..8], "u4", LoopbackAddresses.Next(), root.Combine("u4"), etcd)
        {
            NativeBinary = binary,
        };
        var logDir = Path.Combine(node.Root, "logs");
        var config = File.ReadAllText(node.ConfigPath);
        File.WriteAllText(node.ConfigPath, config.Replace($"log:\n  dir: {node.Root}\n", $"""
            log:
              dir: {logDir}
              file_size: 600
              file_num: 2
              format: '%(asctime)s %(levelname)-7s %(name)s: %(message)s'
              dateformat: '%H:%M:%S'

            """, StringComparison.Ordinal));
        Assert.Contains(logDir, File.ReadAllText(node.ConfigPath), StringComparison.Ordinal);

        node.Start();
        var current = Path.Combine(logDir, "node-agent.log");
        try
        {
            await Poll.UntilAsync(
                () => File.Exists(current + ".2") && ReadAll(logDir).Contains("NodeAgent.Ha.HaLoop: ", StringComparison.Ordinal),
                TimeSpan.FromMinutes(3),
                $"the native agent to log its HA cycles and to rotate its log twice under {logDir}");
        }
        catch (TimeoutException e)
        {
            var files = Directory.Exists(logDir) ? string.Join(", ", Directory.GetFiles(logDir)) : "(no directory)";
            throw new TimeoutException($"{e.Message}\nfiles: {files}\n{ReadAll(logDir)}\n--- stdout/stderr:\n{ChildProcess.ReadTail(node.LogPath, 30)}", e);
        }
        Assert.True(await node.StopAsync(), "the agent did not stop on SIGTERM");
        // A 600-byte log rotates twice within the bootstrap: what the stopped agent left running there (initdb, a
        // postmaster) would still write into the data directory that the clean-up removes.
        foreach (var pid in ProcessesUnder(node.Root))
        {
            Signals.Send(pid, Signals.SigKill);
        }

        await Poll.UntilAsync(() => ProcessesUnder(node.Root).Length == 0, TimeSpan.FromSeconds(30), $"no process left working under {node.Root}");

        // file_num 2: never more than two old files (a shutdown can end between two renames of a rotation, as Python's can).
        var names = Directory.GetFiles(logDir).Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal).ToArray();
        Assert.Contains("node-agent.log.2", names);
        Assert.All(names, n => Assert.Contains(n, new[] { "node-agent.log", "node-agent.log.1", "node-agent.log.2" }));
        foreach (var file in Directory.GetFiles(logDir))
        {
            Assert.True(new FileInfo(file).Length <= 600, $"{file} is {new FileInfo(file).Length} bytes, above file_size");
        }

        var cycles = ReadAll(logDir).Split('\n').Where(l => l.Contains("NodeAgent.Ha.HaLoop: ", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(cycles);
        Assert.All(cycles, l => Assert.Matches(Line(), l));
        Assert.DoesNotContain("NodeAgent.Ha.HaLoop", File.ReadAllText(node.LogPath), StringComparison.Ordinal);
    }

    [GeneratedRegex(@"^\d\d:\d\d:\d\d (INFO   |WARNING|DEBUG  |ERROR  ) NodeAgent(\.\w+)*: \S")]
    private static partial Regex Line();

    /// <summary>Live processes whose command line names <paramref name="root"/>, with their descendants (initdb's backend names no path).</summary>
    private static int[] ProcessesUnder(string root)
    {
        var all = ProcFs.All();
        var naming = all.Where(p => !p.IsDead && p.Pid != Environment.ProcessId && ProcFs.CommandLine(p.Pid).Contains(root, StringComparison.Ordinal));
        return [.. ProcFs.TreeOf(naming.Select(p => p.Pid), all).Where(p => !p.IsDead).Select(p => p.Pid)];
    }

    private static string ReadAll(string dir) =>
        string.Concat(Directory.GetFiles(dir).Select(f =>
        {
            try
            {
                using var stream = new FileStream(f, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                using var reader = new StreamReader(stream);
                return reader.ReadToEnd();
            }
            catch (FileNotFoundException)
            {
                return ""; // rotated away between the listing and the open
            }
        }));
}
