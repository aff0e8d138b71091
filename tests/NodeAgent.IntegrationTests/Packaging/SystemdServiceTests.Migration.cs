using Npgsql;
using NodeAgent.IntegrationTests.Fixtures;
using NodeAgent.IntegrationTests.Interop;

namespace NodeAgent.IntegrationTests.Packaging;

/// <summary>
/// docs/operations.md, "Moving a running Patroni 3.0.2 cluster to NodeAgent", steps 2 to 5 on one node as written: Patroni
/// 3.0.2 runs under Debian's patroni.service from /etc/patroni/config.yml; then <c>systemctl stop patroni &amp;&amp;
/// systemctl disable patroni</c>, <c>dpkg -i</c>, the same file installed as /etc/node-agent/config.yml, and
/// <c>systemctl enable --now node-agent</c>, which runs postgres on the same data directory (same system identifier, the
/// row written under Patroni still there). The whole cluster with writes flowing is RollingMigrationTests.
/// </summary>
public sealed partial class SystemdServiceTests
{
    private const string PatroniConfig = "/etc/patroni/config.yml";
    private const string PatroniWants = "/etc/systemd/system/multi-user.target.wants/patroni.service";

    [Fact]
    public async Task The_guide_moves_a_node_from_patroni_service_to_node_agent_service()
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
        // For its config and addresses only: systemd runs Patroni, then the agent (see the other test on disposal).
        var node = new PatroniNode("it" + Guid.NewGuid().ToString("N")[..8], "u4", root.Combine("u4"), etcd);
        await PostgresUser.ChownToPostgresAsync(root.Path);

        await using var systemd = await SystemdNamespace.BootAsync(root.Combine("systemd.log"));
        try
        {
            await systemd.CheckedAsync("install", "-o", "postgres", "-g", "postgres", "-m", "640", node.ConfigPath, PatroniConfig);
            await systemd.CheckedAsync("systemctl", "start", "patroni");
            await Poll.UntilAsync(
                async () => await node.StatusAsync() is var status && status["role"]?.ToString() == "master" && status["state"]?.ToString() == "running",
                Bootstrap,
                "Patroni under patroni.service to run as the leader");
            var (systemId, marker) = await WriteMarkerAsync(node);

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

            // Steps 4 and 5.
            await systemd.CheckedAsync("systemctl", "enable", "--now", "node-agent");
            string list = "";
            await Poll.UntilAsync(
                async () => (list = (await systemd.RunAsync("agentctl", "list")).Output).Contains("| Leader | running |", StringComparison.Ordinal),
                Bootstrap,
                "agentctl list to show u4 running as the leader under node-agent.service");
            Assert.Matches(@"u4: NodeAgent \d+\.\d+\.\d+ \(as Patroni 3\.0\.2\)", await systemd.CheckedAsync("agentctl", "version", node.Scope));
            Assert.Equal((systemId, marker), await ReadMarkerAsync(node));
            var journal = await systemd.CheckedAsync("journalctl", "-u", "node-agent", "--no-pager");
            Assert.DoesNotContain("started initdb", journal, StringComparison.Ordinal);
            output.WriteLine(list);

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

    private static NpgsqlConnection Connect(PatroniNode node) => new(new NpgsqlConnectionStringBuilder
    {
        Host = node.Address,
        Port = node.PostgresPort,
        Username = "postgres",
        Password = PatroniNode.Password,
        Database = "postgres",
        Timeout = 5,
        Pooling = false,
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
