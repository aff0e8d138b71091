using NodeAgent.IntegrationTests.Cluster;
using NodeAgent.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace NodeAgent.IntegrationTests.Backup;

/// <summary>
/// The seed's backup step with pgBackRest on three agents, real etcd and HAProxy: u6 is tagged nofailover and archives
/// with archive_mode = always (ALTER SYSTEM); a full backup is taken from it as a standby; after a switchover and a hard
/// failover the archive restores to the end without a gap; a point-in-time restore bootstrapped by NodeAgent with a custom
/// method holds exactly the rows committed before the target time.
/// </summary>
[Collection(AgentClusterSequence.Name)]
public sealed class PgBackRestTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task Archive_from_a_nofailover_standby_survives_switchover_and_failover_and_restores_to_a_point_in_time()
    {
        using var repo = await PgBackRest.CreateAsync();
        await using var cluster = await AgentCluster.StartAsync(name => name == "u6" ? "tags:\n  nofailover: true\n" : "");
        var bind = LoopbackAddresses.Next();
        var primaryPort = LoopbackAddresses.FreePort(bind);
        await using var haproxy = await HaproxyInstance.StartAsync(SeedHaproxyConfig.Render(
            bind, primaryPort, LoopbackAddresses.FreePort(bind), LoopbackAddresses.FreePort(bind),
            cluster.Nodes.Select(n => new HaproxyNode(n.Name, n.Address, AgentNode.PostgresPort, AgentNode.RestApiPort)).ToList()));
        var u6 = cluster.Node("u6");
        // pg1 is u6: with backup-standby pgBackRest copies from the first standby it finds.
        var all = repo.WriteConfig("all", [.. new[] { u6, cluster.Node("u4"), cluster.Node("u5") }.Select(n => (n.DataDir, n.SocketDir))]);
        var archiver = repo.WriteConfig("u6", [(u6.DataDir, u6.SocketDir)]);
        var restored = new List<AgentNode>();
        try
        {
            await cluster.ExplainFailuresAsync(async () =>
            {
                var leader = await cluster.WaitForHealthyAsync();
                Assert.NotEqual("u6", leader.Name);
                await leader.ScalarAsync("""
                    CREATE ROLE backup LOGIN REPLICATION;
                    GRANT EXECUTE ON FUNCTION pg_catalog.pg_backup_start(text, boolean) TO backup;
                    GRANT EXECUTE ON FUNCTION pg_catalog.pg_backup_stop(boolean) TO backup;
                    GRANT EXECUTE ON FUNCTION pg_catalog.pg_switch_wal() TO backup;
                    GRANT EXECUTE ON FUNCTION pg_catalog.pg_create_restore_point(text) TO backup;
                    GRANT pg_read_all_settings, pg_checkpoint TO backup;
                    CREATE TABLE backup_rows (id int PRIMARY KEY, at timestamptz DEFAULT clock_timestamp())
                    """);
                await u6.ScalarAsync($"ALTER SYSTEM SET archive_mode = 'always'");
                await u6.ScalarAsync($"ALTER SYSTEM SET archive_command = '{PgBackRest.Binary} --config={archiver} --stanza={PgBackRest.Stanza} archive-push %p'");
                // archive_mode needs a restart: the agent's restart brings postgres back with postgresql.auto.conf in force.
                Assert.True(await u6.StopAsync());
                u6.Start();
                await cluster.WaitForHealthyAsync();
                await Poll.UntilAsync(async () => await SettingAsync(u6, "archive_mode") == "always", Patience, "archive_mode = always on u6 after the agent's restart");

                output.WriteLine(await PgBackRest.RunAsync(all, "stanza-create"));
                // Only u6 archives. pgBackRest's archive check wants archive_mode on the primary, so check and backup run
                // without it, and the test proves archiving itself: a segment switched out on the primary reaches the repository.
                output.WriteLine(await PgBackRest.RunAsync(all, "--no-archive-check", "check"));
                await SwitchedWalArchivedAsync(leader, all);
                var backup = await PgBackRest.RunAsync(all, "--type=full", "--no-archive-check", "backup");
                output.WriteLine(backup);
                Assert.Contains("standby", backup, StringComparison.OrdinalIgnoreCase);
                // pgBackRest compares a time target with the backup's stop time in whole seconds (the fraction dropped):
                // a target in the backup's last second finds no backup set. Start the rows a second after it returned.
                var backupReturned = (string)(await leader.ScalarAsync("SELECT clock_timestamp()::text"))!;
                await Poll.UntilAsync(
                    async () => (bool)(await leader.ScalarAsync($"SELECT clock_timestamp() > '{backupReturned}'::timestamptz + interval '1 second'"))!,
                    Patience,
                    "a second after the backup");

                // Rows 1-50 before the target time, 51-100 after it; then a switchover, rows 101-150, a hard failover, 151-200.
                await WriteRowsAsync(bind, primaryPort, 1, 50);
                var target = (string)(await leader.ScalarAsync("SELECT clock_timestamp()::text"))!;
                await Poll.UntilAsync(
                    async () => (bool)(await leader.ScalarAsync($"SELECT clock_timestamp() > '{target}'::timestamptz + interval '1 second'"))!,
                    Patience,
                    "a second after the target time");
                await WriteRowsAsync(bind, primaryPort, 51, 100);

                var candidate = cluster.Nodes.Single(n => n != leader && n != u6);
                Assert.Equal((200, $"Successfully switched over to \"{candidate.Name}\""),
                    await AgentRest.PostAsync(leader, "/switchover", $$"""{"leader":"{{leader.Name}}","candidate":"{{candidate.Name}}"}"""));
                await cluster.WaitForHealthyAsync(where: n => n == candidate);
                Assert.Equal("always", await SettingAsync(u6, "archive_mode"));
                await WriteRowsAsync(bind, primaryPort, 101, 150);
                // Asynchronous replication: the hard failover must not lose acknowledged rows, so the survivor has them first.
                await Poll.UntilAsync(async () => (long)(await leader.ScalarAsync("SELECT count(*) FROM backup_rows"))! == 150, Patience, $"{leader.Name} to replay row 150");

                await candidate.KillAgentAndPostmasterTogetherAsync();
                var survivor = await cluster.WaitForLeaderAsync(Patience, n => n == leader);
                await Poll.UntilAsync(async () => !await survivor.IsInRecoveryAsync(), Patience, $"{survivor.Name} to run as primary");
                await WriteRowsAsync(bind, primaryPort, 151, 200);
                candidate.Start();
                await cluster.WaitForHealthyAsync(Patience, n => n == survivor);
                Assert.Equal("always", await SettingAsync(u6, "archive_mode"));
                // Everything up to row 200 in the archive: the segment holding it, switched out on the primary, archived by u6.
                await SwitchedWalArchivedAsync(survivor, all);
                output.WriteLine(await PgBackRest.RunAsync(all, "--no-archive-check", "check"));
                output.WriteLine(await PgBackRest.RunAsync(all, "verify"));

                // Restoring to the end of the archive replays every segment from the backup on, over both timeline switches.
                var latest = await RestoreAsync(cluster, repo, "latest", null, restored);
                Assert.Equal((200L, 1, 200), await RowsAsync(latest));
                var pitr = await RestoreAsync(cluster, repo, "pitr", target, restored);
                Assert.Equal((50L, 1, 50), await RowsAsync(pitr));
            });
        }
        finally
        {
            foreach (var node in restored)
            {
                await node.DisposeAsync();
            }
        }
    }

    /// <summary>A one-node cluster in its own scope, bootstrapped by NodeAgent with pgBackRest restore as bootstrap.method.</summary>
    private async Task<AgentNode> RestoreAsync(AgentCluster cluster, PgBackRest repo, string name, string? target, List<AgentNode> restored)
    {
        var root = Path.Combine(repo.Root, "restore-" + name);
        var node = new AgentNode("restore" + name, "r1", LoopbackAddresses.Next(), root, cluster.Etcd);
        restored.Add(node);
        var config = repo.WriteConfig("restore-" + name, [(node.DataDir, node.SocketDir)]);
        var targetText = target;
        var targetArgs = target is null ? "" : $" --type=time '--target={targetText}' --target-action=promote";
        var restoreCommand = $"{PgBackRest.Binary} --config={config} --stanza={PgBackRest.Stanza} archive-get %f \"%p\"";
        var recovery = target is null
            ? $"      restore_command: '{restoreCommand}'\n"
            : $"      restore_command: '{restoreCommand}'\n      recovery_target_time: '{targetText}'\n      recovery_target_action: promote\n";
        var text = File.ReadAllText(node.ConfigPath);
        const string initdb = "  initdb:\n  - data-checksums\n";
        Assert.Contains(initdb, text, StringComparison.Ordinal);
        File.WriteAllText(node.ConfigPath, text.Replace(initdb, $"""
              method: pgbackrest
              pgbackrest:
                command: {PgBackRest.Binary} --config={config} --stanza={PgBackRest.Stanza}{targetArgs} restore
                no_params: true
                keep_existing_recovery_conf: true
                recovery_conf:
            {recovery}
            """.ReplaceLineEndings("\n"), StringComparison.Ordinal));
        await PostgresUser.ChownToPostgresAsync(root);
        node.Start();
        try
        {
            await Poll.UntilAsync(
                async () => await EtcdKeys.GetAsync(cluster.Etcd, $"/service/{node.Scope}/leader") == "r1" && !await node.IsInRecoveryAsync(),
                Patience,
                $"the restored cluster {node.Scope} to lead as a primary");
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}\n{node.LogTail(80)}", e);
        }

        output.WriteLine($"restore {name}: {await node.ScalarAsync("SELECT count(*) FROM backup_rows")} rows");
        return node;
    }

    private async Task SwitchedWalArchivedAsync(AgentNode primary, string config)
    {
        // Some WAL first: a switch right after another names a segment that never completes.
        await primary.ScalarAsync("CREATE TABLE IF NOT EXISTS wal_marker (at timestamptz); INSERT INTO wal_marker VALUES (now())");
        var segment = (string)(await primary.ScalarAsync("SELECT pg_walfile_name(pg_switch_wal())"))!;
        await Poll.UntilAsync(
            async () => (await PgBackRest.RunAsync(config, "repo-ls", "--recurse", "archive/" + PgBackRest.Stanza)).Contains(segment, StringComparison.Ordinal),
            Patience,
            $"u6 to archive {segment}");
        output.WriteLine($"{segment} switched out on {primary.Name} and archived by u6");
    }

    private static async Task<(long Count, int Min, int Max)> RowsAsync(AgentNode node)
    {
        var count = (long)(await node.ScalarAsync("SELECT count(*) FROM backup_rows"))!;
        var min = (int)(await node.ScalarAsync("SELECT min(id) FROM backup_rows"))!;
        var max = (int)(await node.ScalarAsync("SELECT max(id) FROM backup_rows"))!;
        return (count, min, max);
    }

    private static async Task<string?> SettingAsync(AgentNode node, string name) =>
        (string?)await node.ScalarAsync($"SELECT current_setting('{name}')");

    /// <summary>Inserts the rows through HAProxy's primary port, each in its own commit, retrying while the primary moves.</summary>
    private static async Task WriteRowsAsync(string bind, int port, int from, int to)
    {
        var connection = $"Host={bind};Port={port};Username=postgres;Password={AgentNode.Password};Database=postgres;Timeout=3;Command Timeout=5;Pooling=false;Gss Encryption Mode=Disable";
        for (var id = from; id <= to; id++)
        {
            var row = id;
            await Poll.UntilAsync(
                async () =>
                {
                    try
                    {
                        await using var c = new Npgsql.NpgsqlConnection(connection);
                        await c.OpenAsync();
                        await using var cmd = new Npgsql.NpgsqlCommand($"INSERT INTO backup_rows (id) VALUES ({row}) ON CONFLICT DO NOTHING", c);
                        await cmd.ExecuteNonQueryAsync();
                        return true;
                    }
                    catch (Exception e) when (e is Npgsql.NpgsqlException or TimeoutException or InvalidOperationException)
                    {
                        return false;
                    }
                },
                Patience,
                $"row {row} written through haproxy");
        }
    }
}
