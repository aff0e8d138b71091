using Npgsql;
using NodeAgent.IntegrationTests.Fixtures;
using NodeAgent.IntegrationTests.Interop;

namespace NodeAgent.IntegrationTests.Packaging;

/// <summary>
/// docs/operations.md, "Moving a running Patroni 3.0.2 cluster to NodeAgent", steps 1 to 5 on a replica node as written,
/// then "Upgrading NodeAgent itself" on that replica. u4 is a Patroni 3.0.2 leader started by the test. u5 runs Patroni
/// under Debian's patroni.service from /etc/patroni/config.yml, as a streaming replica. Then the test runs
/// <c>systemctl stop patroni &amp;&amp; systemctl disable patroni</c>, <c>dpkg -i</c>, the same file installed as
/// /etc/node-agent/config.yml, and <c>systemctl enable --now node-agent</c>. That agent streams from the Patroni leader
/// on the same data directory: same system identifier, no new base backup. The package is then installed again and
/// the agent restarted, and it streams again. The whole cluster with writes flowing is RollingMigrationTests.
/// </summary>
public sealed partial class SystemdServiceTests
{
    private const string PatroniConfig = "/etc/patroni/config.yml";
    private const string PatroniWants = "/etc/systemd/system/multi-user.target.wants/patroni.service";

    [Fact]
    public async Task The_guide_moves_a_replica_from_patroni_service_to_node_agent_service_and_upgrades_it()
    {
        using var debLock = await DebPackage.LockAsync();
        var deb = await DebPackage.BuildAsync();
        Assert.False(await DebPackage.IsKnownToDpkgAsync(), "node-agent is already installed on this machine: this test installs and purges it itself");
        RequiredBinary.RequirePatroni();
        Assert.False(File.Exists(PatroniConfig), $"{PatroniConfig} exists: this test writes it and removes it");
        var patroniWasEnabled = File.Exists(PatroniWants);
        await using var etcd = await EtcdCluster.StartAsync(1);
        using var root = new TempDirectory("systemd-patroni");
        File.SetUnixFileMode(root.Path, (UnixFileMode)0b111_101_101);
        var scope = "it" + Guid.NewGuid().ToString("N")[..8];
        await using var leader = new PatroniNode(scope, "u4", root.Combine("u4"), etcd);
        // Run by systemd; its dispose kills by the data dir's command lines, which the host sees too.
        await using var node = new PatroniNode(scope, "u5", root.Combine("u5"), etcd);
        await PostgresUser.ChownToPostgresAsync(root.Path);
        leader.Start();
        await Poll.UntilAsync(async () => await IsAsync(leader, "master"), Bootstrap, "Patroni u4 to run as the leader");
        var (systemId, marker) = await WriteMarkerAsync(leader);

        await using var systemd = await SystemdNamespace.BootAsync(root.Combine("systemd.log"));
        try
        {
            await systemd.CheckedAsync("install", "-o", "postgres", "-g", "postgres", "-m", "640", node.ConfigPath, PatroniConfig);
            await systemd.CheckedAsync("systemctl", "start", "patroni");
            await Poll.UntilAsync(async () => await IsAsync(node, "replica") && await ReadMarkerAsync(node) == (systemId, marker), Bootstrap,
                "Patroni u5 under patroni.service to replicate u4's marker row");
            // Step 1, before the package is there: patronictl list.
            output.WriteLine(await ListAsync(systemd, ["patronictl", "-c", PatroniConfig, "list"], node, "Replica", @"\w+"));

            // Step 2.
            await systemd.CheckedAsync("/bin/bash", "-c", "systemctl stop patroni && systemctl disable patroni");
            Assert.Equal("inactive", (await systemd.RunAsync("systemctl", "is-active", "patroni")).Output.Trim());
            Assert.False(File.Exists(PatroniWants), "systemctl disable patroni left its multi-user.target link");
            var pgCtlStatus = await systemd.RunAsync("runuser", "-u", "postgres", "--", Path.Combine(RequiredBinary.PostgresBin, "pg_ctl"), "status", "-D", node.DataDir);
            Assert.True(pgCtlStatus.ExitCode == 3, $"postgres still runs after systemctl stop patroni: {pgCtlStatus.Output}");

            // Step 3.
            await systemd.CheckedAsync("dpkg", "-i", deb);
            await systemd.CheckedAsync("install", "-o", "postgres", "-g", "postgres", "-m", "640", PatroniConfig, Config);
            var validate = await systemd.RunAsync("node-agent", Config, "--validate-config");
            Assert.True(validate.ExitCode == 0, $"--validate-config on Patroni's file exited {validate.ExitCode}:\n{validate.Output}");

            // Steps 4 and 5: the same data directory, streaming from the Patroni leader.
            await systemd.CheckedAsync("systemctl", "enable", "--now", "node-agent");
            output.WriteLine(await ListAsync(systemd, ["agentctl", "list"], node, "Replica", "streaming"));
            var versions = await systemd.CheckedAsync("agentctl", "version", scope);
            Assert.Matches(@"u5: NodeAgent \d+\.\d+\.\d+ \(as Patroni 3\.0\.2\)", versions);
            Assert.Contains("u4: Patroni 3.0.2", versions, StringComparison.Ordinal);
            Assert.Equal((systemId, marker), await ReadMarkerAsync(node));
            var journal = await systemd.CheckedAsync("journalctl", "-u", "node-agent", "--no-pager");
            Assert.DoesNotContain("started pg_basebackup", journal, StringComparison.Ordinal);

            // Upgrading NodeAgent itself, on a replica: install, restart, wait until it streams again.
            var pid = await MainPidAsync(systemd);
            await systemd.CheckedAsync("dpkg", "-i", deb);
            await systemd.CheckedAsync("systemctl", "restart", "node-agent");
            Assert.NotEqual(pid, await MainPidAsync(systemd));
            output.WriteLine(await ListAsync(systemd, ["agentctl", "list"], node, "Replica", "streaming"));

            await systemd.CheckedAsync("systemctl", "disable", "--now", "node-agent");
            await systemd.CheckedAsync("rm", Config);
            await systemd.CheckedAsync("dpkg", "--purge", "node-agent");
        }
        finally
        {
            await CleanUpAsync(systemd);
            File.Delete(PatroniConfig);
            if (patroniWasEnabled && !File.Exists(PatroniWants))
            {
                // As the patroni package left it: the host's own enablement, which systemctl disable removed.
                File.CreateSymbolicLink(PatroniWants, "/lib/systemd/system/patroni.service");
            }
        }
    }

    private static async Task<bool> IsAsync(PatroniNode node, string role) =>
        await node.StatusAsync() is var status && status["role"]?.ToString() == role && status["state"]?.ToString() == "running";

    /// <summary>Runs a list command (agentctl without -c reads /etc/node-agent/config.yml) until u5 has this role and state (a regex).</summary>
    private static async Task<string> ListAsync(SystemdNamespace systemd, string[] command, PatroniNode node, string role, string state)
    {
        string list = "";
        await Poll.UntilAsync(
            async () => System.Text.RegularExpressions.Regex.IsMatch(
                list = (await systemd.RunAsync(command)).Output,
                $@"\| u5 +\| {System.Text.RegularExpressions.Regex.Escape(node.HostColumn)} +\| {role} +\| {state} +\|"),
            Bootstrap,
            $"{string.Join(' ', command)} to show u5 as {role}, {state}");
        return list;
    }

    private static NpgsqlConnection Connect(PatroniNode node) => new(new NpgsqlConnectionStringBuilder
    {
        Host = node.Address,
        Port = node.PostgresPort,
        Username = "postgres",
        Password = PatroniNode.Password,
        Database = "postgres",
        Timeout = 5,
        Pooling = false,
        GssEncryptionMode = GssEncryptionMode.Disable,
    }.ConnectionString);

    /// <summary>A row written under Patroni, and the cluster's system identifier: both must be there under NodeAgent.</summary>
    private static async Task<(long SystemId, string Marker)> WriteMarkerAsync(PatroniNode node)
    {
        var marker = Guid.NewGuid().ToString("N");
        await using var connection = Connect(node);
        await connection.OpenAsync();
        await using (var create = new NpgsqlCommand($"CREATE TABLE guide_marker(v text); INSERT INTO guide_marker VALUES ('{marker}')", connection))
        {
            await create.ExecuteNonQueryAsync();
        }
        var (systemId, _) = await ReadMarkerAsync(connection);
        return (systemId, marker);
    }

    private static async Task<(long SystemId, string Marker)> ReadMarkerAsync(PatroniNode node)
    {
        await using var connection = Connect(node);
        await connection.OpenAsync();
        return await ReadMarkerAsync(connection);
    }

    private static async Task<(long SystemId, string Marker)> ReadMarkerAsync(NpgsqlConnection connection)
    {
        await using var command = new NpgsqlCommand("SELECT (SELECT system_identifier FROM pg_control_system()), (SELECT v FROM guide_marker)", connection);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        return (reader.GetInt64(0), reader.GetString(1));
    }
}
