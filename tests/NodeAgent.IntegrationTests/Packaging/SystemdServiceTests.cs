using System.Globalization;
using System.Text.RegularExpressions;
using NodeAgent.IntegrationTests.Cluster;
using NodeAgent.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace NodeAgent.IntegrationTests.Packaging;

/// <summary>
/// docs/operations.md on one node, as written: the .deb installed with <c>dpkg -i</c>, the config put in place with
/// <c>install -o postgres -g postgres -m 640</c>, and the agent run by a real systemd (in its own namespaces:
/// <see cref="SystemdNamespace"/>) through the packaged unit: <c>systemctl enable --now</c>, <c>status</c>,
/// <c>reload</c> (a good and a broken file), <c>restart</c>, <c>stop</c>, <c>disable</c>; its log read with
/// <c>journalctl -u node-agent -f</c> and, with <c>log.dir</c>, <c>tail -F</c>; <c>agentctl list</c> and
/// <c>agentctl version</c> with the default config path, <c>curl -s .../metrics</c>, <c>etcdctl get</c> of its member
/// key; the package installed again over the running agent (an upgrade); then <c>dpkg --purge</c>. Loopback addresses
/// and a one-member etcd stand in for the seed's.
/// </summary>
[Collection(AgentClusterSequence.Name)]
public sealed partial class SystemdServiceTests(ITestOutputHelper output)
{
    private const string Config = "/etc/node-agent/config.yml";
    private const string FileLog = "/var/log/node-agent/node-agent.log";
    private static readonly TimeSpan Bootstrap = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task The_guide_installs_runs_reloads_restarts_and_removes_the_agent_under_systemd()
    {
        using var debLock = await DebPackage.LockAsync();
        var deb = await DebPackage.BuildAsync();
        Assert.False(await DebPackage.IsKnownToDpkgAsync(), "node-agent is already installed on this machine: this test installs and purges it itself");
        RequiredBinary.RequirePostgres("postgres");
        await using var etcd = await EtcdCluster.StartAsync(1);
        using var root = new TempDirectory("systemd");
        File.SetUnixFileMode(root.Path, (UnixFileMode)0b111_101_101);
        var scope = "it" + Guid.NewGuid().ToString("N")[..8];
        // For its config, addresses and data dir only: systemd runs the agent. Not disposed: postmaster.pid holds a PID of
        // the systemd namespace, which AgentNode.DisposeAsync would signal as a host PID; the namespace's end kills postgres.
        var node = new AgentNode(scope, "u4", LoopbackAddresses.Next(), root.Combine("u4"), etcd);
        await PostgresUser.ChownToPostgresAsync(root.Path);
        var seedStyle = root.Combine("patroni-config-u4.yml");
        // Without log.dir first: the agent logs to standard error, which systemd hands to journald.
        var journalConfig = File.ReadAllText(node.ConfigPath).Replace($"log:\n  dir: {node.Root}\n", "", StringComparison.Ordinal);
        Assert.DoesNotContain("log:", journalConfig, StringComparison.Ordinal);
        File.WriteAllText(seedStyle, journalConfig);

        await using var systemd = await SystemdNamespace.BootAsync(root.Combine("systemd.log"));
        try
        {
            await InstallAsync(systemd, deb, seedStyle);
            await RunAndLookAsync(systemd, node, root);
            await ReloadAsync(systemd, root, seedStyle);
            await RestartWithLogDirAsync(systemd, node, root, seedStyle);
            await UpgradeAsync(systemd, node, deb);
            await BadConfigIsNotRestartedAsync(systemd, root, seedStyle);
            await StopAsync(systemd, node);
            await RemoveAsync(systemd);
        }
        finally
        {
            await CleanUpAsync(systemd);
        }
    }

    /// <summary>Install (u4-u6): dpkg -i, the config with its owner and mode, --validate-config.</summary>
    private static async Task InstallAsync(SystemdNamespace systemd, string deb, string seedStyle)
    {
        await systemd.CheckedAsync("dpkg", "-i", deb);
        await systemd.CheckedAsync("install", "-o", "postgres", "-g", "postgres", "-m", "640", seedStyle, Config);
        Assert.Equal("640 postgres:postgres", (await systemd.CheckedAsync("stat", "-c", "%a %U:%G", Config)).Trim());
        var validate = await systemd.RunAsync("node-agent", Config, "--validate-config");
        Assert.True(validate.ExitCode == 0, $"--validate-config exited {validate.ExitCode}:\n{validate.Output}");
        Assert.Contains("configuration is valid", validate.Output, StringComparison.Ordinal);
    }

    /// <summary>Run and look: enable --now, status, journalctl -f, agentctl list and version, curl /metrics, etcdctl get.</summary>
    private async Task RunAndLookAsync(SystemdNamespace systemd, AgentNode node, TempDirectory root)
    {
        await systemd.CheckedAsync("systemctl", "enable", "--now", "node-agent");
        Assert.True(File.Exists("/etc/systemd/system/multi-user.target.wants/node-agent.service"), "systemctl enable made no multi-user.target link");
        await WaitForLeaderAsync(systemd, node);

        // Without log.dir the agent's log is in the journal.
        Assert.Contains("starting node-agent", await systemd.CheckedAsync("journalctl", "-u", "node-agent", "--no-pager"), StringComparison.Ordinal);

        var status = await systemd.CheckedAsync("systemctl", "status", "node-agent", "--no-pager");
        Assert.Contains("Active: active (running)", status, StringComparison.Ordinal);
        Assert.Contains("/usr/bin/node-agent /etc/node-agent/config.yml", status, StringComparison.Ordinal);
        var mainPid = await MainPidAsync(systemd);
        Assert.Contains($"Main PID: {mainPid} (node-agent)", status, StringComparison.Ordinal);
        output.WriteLine(status);

        var version = await systemd.CheckedAsync("agentctl", "version", node.Scope);
        Assert.Matches(@"u4: NodeAgent \d+\.\d+\.\d+ \(as Patroni 3\.0\.2\)", version);

        var metrics = await systemd.CheckedAsync("curl", "-s", $"http://{node.Address}:{AgentNode.RestApiPort}/metrics");
        Assert.Contains($"patroni_master{{scope=\"{node.Scope}\"}} 1", metrics, StringComparison.Ordinal);
        Assert.Contains("nodeagent_leader_lock_acquisitions_total", metrics, StringComparison.Ordinal);

        var member = await systemd.RunAsync(["etcdctl", "get", $"/service/{node.Scope}/members/u4"], new Dictionary<string, string>
        {
            ["ETCDCTL_API"] = "3",
            ["ETCDCTL_ENDPOINTS"] = node.Etcd.EndpointsCsv,
        });
        Assert.True(member.ExitCode == 0, member.Output);
        Assert.Contains($"/service/{node.Scope}/members/u4\n", member.Output, StringComparison.Ordinal);
        Assert.Contains("\"state\":\"running\"", member.Output, StringComparison.Ordinal);
        Assert.Contains("\"role\":\"master\"", member.Output, StringComparison.Ordinal);
    }

    /// <summary>systemctl reload: SIGHUP re-reads the file; a broken file is logged and the running agent keeps its config.</summary>
    private static async Task ReloadAsync(SystemdNamespace systemd, TempDirectory root, string seedStyle)
    {
        var pid = await MainPidAsync(systemd);
        await FollowAsync(
            systemd,
            root.Combine("journal-reload.log"),
            ["journalctl", "-u", "node-agent", "-f"],
            () => systemd.CheckedAsync("systemctl", "reload", "node-agent"),
            $"reloaded configuration from {Config}");

        var broken = root.Combine("broken.yml");
        File.WriteAllText(broken, "scope: [PGC1\n" + File.ReadAllText(seedStyle));
        await systemd.CheckedAsync("install", "-o", "postgres", "-g", "postgres", "-m", "640", broken, Config);
        await FollowAsync(
            systemd,
            root.Combine("journal-broken.log"),
            ["journalctl", "-u", "node-agent", "-f"],
            () => systemd.CheckedAsync("systemctl", "reload", "node-agent"),
            "reload rejected, keeping the running config");
        Assert.Equal("active", (await systemd.RunAsync("systemctl", "is-active", "node-agent")).Output.Trim());
        Assert.Equal(pid, await MainPidAsync(systemd));
        await systemd.CheckedAsync("install", "-o", "postgres", "-g", "postgres", "-m", "640", seedStyle, Config);
    }

    /// <summary>log.dir set, then systemctl restart (a changed log: section takes effect there): tail -F shows the new agent.</summary>
    private static async Task RestartWithLogDirAsync(SystemdNamespace systemd, AgentNode node, TempDirectory root, string seedStyle)
    {
        File.AppendAllText(seedStyle, "log:\n  dir: /var/log/node-agent\n");
        await systemd.CheckedAsync("install", "-o", "postgres", "-g", "postgres", "-m", "640", seedStyle, Config);
        var before = await MainPidAsync(systemd);
        Assert.False(File.Exists(FileLog), $"{FileLog} exists before log.dir was set");
        // tail -F waits for the file to appear ("cannot open ... No such file or directory" first).
        await FollowAsync(
            systemd,
            root.Combine("tail.log"),
            ["tail", "-F", FileLog],
            () => systemd.CheckedAsync("systemctl", "restart", "node-agent"),
            "starting node-agent");
        Assert.NotEqual(before, await MainPidAsync(systemd));
        Assert.Equal("750 postgres:postgres", (await systemd.CheckedAsync("stat", "-c", "%a %U:%G", "/var/log/node-agent")).Trim());
        await WaitForLeaderAsync(systemd, node);
    }

    /// <summary>Upgrading NodeAgent itself: the package installed over a running agent leaves it running; restart; agentctl list.</summary>
    private static async Task UpgradeAsync(SystemdNamespace systemd, AgentNode node, string deb)
    {
        var before = await MainPidAsync(systemd);
        await systemd.CheckedAsync("dpkg", "-i", deb);
        Assert.Equal(before, await MainPidAsync(systemd));
        await systemd.CheckedAsync("systemctl", "restart", "node-agent");
        Assert.NotEqual(before, await MainPidAsync(systemd));
        await WaitForLeaderAsync(systemd, node);
    }

    /// <summary>The unit: a config that cannot be loaded exits 78 and is not restarted every RestartSec (5 s).</summary>
    private static async Task BadConfigIsNotRestartedAsync(SystemdNamespace systemd, TempDirectory root, string seedStyle)
    {
        await systemd.CheckedAsync("install", "-o", "postgres", "-g", "postgres", "-m", "640", root.Combine("broken.yml"), Config);
        var restart = await systemd.RunAsync("systemctl", "restart", "node-agent");
        Assert.True(restart.ExitCode != 0, $"systemctl restart with a broken config succeeded:\n{restart.Output}");
        Assert.Equal("failed", await PropertyAsync(systemd, "ActiveState"));
        Assert.Equal("78", await PropertyAsync(systemd, "ExecMainStatus"));
        // Longer than RestartSec=5: Restart=on-failure would have started it again by then.
        await ObservedWindow.NeverAsync(TimeSpan.FromSeconds(8), async () =>
            await PropertyAsync(systemd, "NRestarts") is var restarts and not "0" ? $"the agent was restarted ({restarts} times) after exit 78" : null);
        var journal = await systemd.CheckedAsync("journalctl", "-u", "node-agent", "--no-pager");
        Assert.Contains("invalid configuration, not starting", journal, StringComparison.Ordinal);

        await systemd.CheckedAsync("install", "-o", "postgres", "-g", "postgres", "-m", "640", seedStyle, Config);
        await systemd.CheckedAsync("systemctl", "start", "node-agent");
        Assert.Equal("active", await PropertyAsync(systemd, "ActiveState"));
    }

    /// <summary>systemctl stop: only the agent is signalled; it stops postgres and gives up the leader key.</summary>
    private static async Task StopAsync(SystemdNamespace systemd, AgentNode node)
    {
        // pg_ctl inside the namespace: postmaster.pid holds the namespace's PIDs.
        string[] pgCtlStatus = ["runuser", "-u", "postgres", "--", Path.Combine(RequiredBinary.PostgresBin, "pg_ctl"), "status", "-D", node.DataDir];
        await Poll.UntilAsync(async () => (await systemd.RunAsync(pgCtlStatus)).ExitCode == 0, Bootstrap, "postgres to run under the restarted agent");
        await systemd.CheckedAsync("systemctl", "stop", "node-agent");
        Assert.Equal("inactive", await PropertyAsync(systemd, "ActiveState"));
        var stopped = await systemd.RunAsync(pgCtlStatus);
        Assert.True(stopped.ExitCode == 3, $"postgres still runs after systemctl stop: {stopped.Output}");
        var leader = await CommandRunner.RunAsync(RequiredBinary.Etcdctl, [$"--endpoints={node.Etcd.EndpointsCsv}", "get", $"/service/{node.Scope}/leader"]);
        Assert.True(leader.Trim().Length == 0, $"the leader key is still there after the stop: {leader}");
    }

    /// <summary>disable, the operator's config removed, dpkg --purge: nothing of the package is left.</summary>
    private static async Task RemoveAsync(SystemdNamespace systemd)
    {
        await systemd.CheckedAsync("systemctl", "disable", "node-agent");
        Assert.False(File.Exists("/etc/systemd/system/multi-user.target.wants/node-agent.service"), "systemctl disable left the link");
        await systemd.CheckedAsync("rm", Config);
        await systemd.CheckedAsync("dpkg", "--purge", "node-agent");
        foreach (var path in new[] { "/usr/bin/node-agent", "/usr/bin/agentctl", "/lib/systemd/system/node-agent.service", "/etc/node-agent", "/var/log/node-agent" })
        {
            Assert.False(Path.Exists(path), $"{path} is left after dpkg --purge");
        }
        Assert.Contains("not-found", await PropertyAsync(systemd, "LoadState"), StringComparison.Ordinal);
    }

    /// <summary>Whatever a failed step left: the unit disabled, the package purged (inside the namespace, then on the host).</summary>
    private async Task CleanUpAsync(SystemdNamespace systemd)
    {
        if (!await DebPackage.IsKnownToDpkgAsync())
        {
            return;
        }
        output.WriteLine((await systemd.RunAsync("systemctl", "disable", "--now", "node-agent")).Output);
        if (File.Exists(Config))
        {
            File.Delete(Config);
        }
        output.WriteLine((await systemd.RunAsync("dpkg", "--purge", "node-agent")).Output);
        if (await DebPackage.IsKnownToDpkgAsync())
        {
            await CommandRunner.RunAsync("/usr/bin/dpkg", ["--purge", "node-agent"]);
        }
        File.Delete("/etc/systemd/system/multi-user.target.wants/node-agent.service");
    }

    private static async Task WaitForLeaderAsync(SystemdNamespace systemd, AgentNode node)
    {
        string list = "";
        try
        {
            // No -c: agentctl finds /etc/node-agent/config.yml by itself, as the guide says.
            await Poll.UntilAsync(
                async () => Regex.IsMatch(list = (await systemd.RunAsync("agentctl", "list")).Output, $@"\| u4 +\| {Regex.Escape(node.Address)} +\| Leader +\| running +\|"),
                Bootstrap,
                "agentctl list to show u4 as the running leader");
        }
        catch (TimeoutException e)
        {
            var journal = await systemd.RunAsync("journalctl", "-u", "node-agent", "--no-pager", "-n", "40");
            throw new TimeoutException($"{e.Message}\n{list}\n--- journal:\n{journal.Output}", e);
        }
    }

    private static async Task<int> MainPidAsync(SystemdNamespace systemd) =>
        int.Parse(await PropertyAsync(systemd, "MainPID"), CultureInfo.InvariantCulture);

    private static async Task<string> PropertyAsync(SystemdNamespace systemd, string name) =>
        (await systemd.CheckedAsync("systemctl", "show", "node-agent", "-p", name, "--value")).Trim();

    /// <summary>
    /// Starts a follower (<c>journalctl -f</c>, <c>tail -F</c>), waits for its first output (it is reading), runs
    /// <paramref name="action"/>, and waits for the follower to print <paramref name="expected"/>: a line written after it began.
    /// </summary>
    private static async Task FollowAsync(SystemdNamespace systemd, string logPath, string[] follower, Func<Task> action, string expected)
    {
        var command = string.Join(' ', follower);
        using var follow = systemd.Start(logPath, follower);
        try
        {
            await Poll.UntilAsync(() => new FileInfo(logPath).Length > 0, TimeSpan.FromSeconds(30), $"{command} to print its first lines");
            Assert.DoesNotContain(expected, ChildProcess.ReadTail(logPath, 10_000), StringComparison.Ordinal);
            await action();
            await Poll.UntilAsync(() => ChildProcess.ReadTail(logPath, 10_000).Contains(expected, StringComparison.Ordinal), TimeSpan.FromSeconds(60), $"{command} to show '{expected}'");
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}\n{follow.LogTail()}", e);
        }
    }
}
