using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Npgsql;
using NodeAgent.IntegrationTests.Ctl;
using NodeAgent.IntegrationTests.Fixtures;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace NodeAgent.IntegrationTests.Cluster;

/// <summary>
/// Two clusters on one etcd: a source cluster (u4, u5) behind the seed HAProxy, and a standby cluster (s1, s2) whose
/// standby_cluster points at HAProxy's primary port. The standby leader follows the source across a switchover and a
/// failover, its replica cascades from it, an edit of standby_cluster's host and port re-points it, and removing
/// standby_cluster with agentctl edit-config promotes it with every row the source committed before the cut-off.
/// </summary>
[Collection(AgentClusterSequence.Name)]
public sealed class StandbyClusterTests(ITestOutputHelper output)
{
    private long _rows;

    [Fact]
    public async Task Standby_cluster_follows_the_source_through_haproxy_across_switchover_and_failover_and_is_promoted_on_demand()
    {
        await using var etcd = await EtcdCluster.StartAsync(1);
        await using var source = await AgentCluster.StartOnAsync(etcd, "src" + Guid.NewGuid().ToString("N")[..8], ["u4", "u5"], c => c);
        var bind = LoopbackAddresses.Next();
        var primaryPort = LoopbackAddresses.FreePort(bind);
        var haproxyConfig = SeedHaproxyConfig.Render(bind, primaryPort, LoopbackAddresses.FreePort(bind), LoopbackAddresses.FreePort(bind),
            source.Nodes.Select(n => new HaproxyNode(n.Name, n.Address, AgentNode.PostgresPort, AgentNode.RestApiPort)).ToList(), checkInterval: "500ms");
        await using var haproxy = await HaproxyInstance.StartAsync(haproxyConfig);
        var throughHaproxy = new NpgsqlConnectionStringBuilder
        {
            Host = bind, Port = primaryPort, Username = "postgres", Password = AgentNode.Password, Database = "postgres",
            Timeout = 2, CommandTimeout = 3, Pooling = false, GssEncryptionMode = GssEncryptionMode.Disable,
        }.ConnectionString;

        await ExplainAsync([source], async () =>
        {
            var leader = await source.WaitForHealthyAsync();
            await leader.ScalarAsync("CREATE TABLE shipped (id bigint PRIMARY KEY)");
            await WriteRowsAsync(throughHaproxy, 100);
        });

        var standbyYaml = string.Create(CultureInfo.InvariantCulture,
            $"    standby_cluster:\n      host: {bind}\n      port: {primaryPort}\n      primary_slot_name: patroni\n      create_replica_methods:\n      - basebackup\n");
        await using var standby = await AgentCluster.StartOnAsync(etcd, "sby" + Guid.NewGuid().ToString("N")[..8], ["s1", "s2"],
            c => c.Replace("    slots:\n", standbyYaml + "    slots:\n", StringComparison.Ordinal));
        await ExplainAsync([source, standby], async () =>
        {
            // Bootstrap: one member clones from the source through HAProxy and holds the lock as standby leader.
            var standbyLeader = await standby.WaitForLeaderAsync();
            var cascade = standby.Nodes.Single(n => n != standbyLeader);
            await Poll.UntilAsync(async () => await RoleAsync(standbyLeader) == "standby_leader", AgentCluster.Patience, $"{standbyLeader.Name} to report role standby_leader");
            await Poll.UntilAsync(async () => await standbyLeader.WalReceiverSenderAsync() == bind, AgentCluster.Patience,
                $"{standbyLeader.Name} to stream from the source through HAProxy ({bind})");
            Assert.True(await standbyLeader.IsInRecoveryAsync());
            await AgentCluster.WaitForStreamingAsync(standbyLeader, [cascade]);
            await AssertRowsAsync(standbyLeader, "after bootstrap");
            await AssertRowsAsync(cascade, "on the cascading replica after bootstrap");

            // Health endpoints: only the standby leader answers /standby-leader; nobody in a standby cluster is /primary.
            foreach (var method in new[] { HttpMethod.Get, HttpMethod.Options })
            {
                Assert.Equal(200, (await AgentRest.SendAsync(standbyLeader, method, "/standby-leader", null)).Status);
                Assert.Equal(200, (await AgentRest.SendAsync(standbyLeader, method, "/standby_leader", null)).Status);
                Assert.Equal(503, (await AgentRest.SendAsync(standbyLeader, method, "/primary", null)).Status);
                Assert.Equal(503, (await AgentRest.SendAsync(standbyLeader, method, "/master", null)).Status);
                Assert.Equal(503, (await AgentRest.SendAsync(cascade, method, "/standby-leader", null)).Status);
            }

            var clusterJson = JsonNode.Parse((await AgentRest.GetAsync(cascade, "/cluster")).Body)!;
            Assert.Equal("standby_leader", clusterJson["members"]!.AsArray().Single(m => (string?)m!["name"] == standbyLeader.Name)!["role"]!.GetValue<string>());
            var list = "";
            await Poll.UntilAsync(
                async () =>
                {
                    var result = await CtlRun.AgentCtlAsync("", "-c", cascade.ConfigPath, "list");
                    list = result.Out;
                    return result.ExitCode == 0 && list.Split('\n').Any(l => l.StartsWith($"| {standbyLeader.Name} ", StringComparison.Ordinal) && l.Contains("| Standby Leader |", StringComparison.Ordinal));
                },
                TimeSpan.FromSeconds(30),
                "agentctl list to show the standby leader as 'Standby Leader'");
            output.WriteLine(list);

            await MeasureReplayLagAsync(throughHaproxy, standbyLeader);

            // Switchover of the source: the standby leader reconnects through HAProxy to the new primary (timeline 2).
            var from = await source.WaitForHealthyAsync();
            var to = source.Nodes.Single(n => n != from);
            Assert.Equal(200, (await AgentRest.PostAsync(from, "/switchover", $$"""{"leader":"{{from.Name}}","candidate":"{{to.Name}}"}""")).Status);
            await source.WaitForLeaderAsync(where: n => n == to);
            await Poll.UntilAsync(async () => !await to.IsInRecoveryAsync(), AgentCluster.Patience, $"{to.Name} to run as primary");
            await WriteRowsAsync(throughHaproxy, 100);
            await AssertRowsAsync(standbyLeader, "after the source's switchover");

            // Failover of the source: its leader crashes with its host; the other member takes over after the ttl.
            await AgentCluster.WaitForStreamingAsync(to, [from]);
            await to.KillAgentAndPostmasterTogetherAsync();
            await source.WaitForLeaderAsync(where: n => n == from);
            await Poll.UntilAsync(async () => !await from.IsInRecoveryAsync(), AgentCluster.Patience, $"{from.Name} to run as primary after the failover");
            await WriteRowsAsync(throughHaproxy, 100);
            await AssertRowsAsync(standbyLeader, "after the source's failover");
            await AssertRowsAsync(cascade, "on the cascading replica after the source's failover");

            // Re-pointing: standby_cluster names the source's primary itself instead of HAProxy; the standby leader
            // follows the new address after a reload.
            var repoint = await CtlRun.AgentCtlAsync("", "-c", cascade.ConfigPath, "edit-config",
                "-s", $"standby_cluster.host={from.Address}", "-s", $"standby_cluster.port={AgentNode.PostgresPort}", "--force");
            Assert.True(repoint.ExitCode == 0, repoint.Out + repoint.Err);
            await Poll.UntilAsync(async () => await standbyLeader.WalReceiverSenderAsync() == from.Address, AgentCluster.Patience,
                $"{standbyLeader.Name} to stream from {from.Name} ({from.Address}) directly");
            await WriteRowsAsync(throughHaproxy, 100);
            await AssertRowsAsync(standbyLeader, "after re-pointing at the source's primary");

            // Promotion on demand. The cut-off: writes stop, and the standby leader has replayed the source's last WAL.
            var cutoff = (string)(await from.ScalarAsync("SELECT pg_current_wal_lsn()::text"))!;
            await Poll.UntilAsync(
                async () => (bool)(await standbyLeader.ScalarAsync($"SELECT pg_last_wal_replay_lsn() >= '{cutoff}'::pg_lsn"))!,
                AgentCluster.Patience, $"{standbyLeader.Name} to replay the source's WAL up to the cut-off {cutoff}");
            var clock = Stopwatch.StartNew();
            var edit = await CtlRun.AgentCtlAsync("", "-c", cascade.ConfigPath, "edit-config", "-s", "standby_cluster=null", "--force");
            Assert.True(edit.ExitCode == 0, edit.Out + edit.Err);
            await Poll.UntilAsync(
                async () => await standbyLeader.ScalarAsync("INSERT INTO shipped VALUES (-1) ON CONFLICT DO NOTHING RETURNING 1") is not null,
                AgentCluster.Patience, $"{standbyLeader.Name} to take writes after the promotion");
            output.WriteLine($"edit-config to a writable promoted standby leader: {clock.Elapsed.TotalSeconds:0.00} s");
            Assert.Equal(standbyLeader.Name, await standby.LeaderNameAsync());
            await AssertRowsAsync(standbyLeader, "after the promotion");
            await Poll.UntilAsync(async () => await RoleAsync(standbyLeader) == "master", AgentCluster.Patience, $"{standbyLeader.Name} to report role master");
            Assert.Equal(200, (await AgentRest.GetAsync(standbyLeader, "/primary")).Status);
            Assert.Equal(503, (await AgentRest.GetAsync(standbyLeader, "/standby-leader")).Status);
            await standbyLeader.ScalarAsync("INSERT INTO shipped VALUES (-2)");
            await AgentCluster.WaitForStreamingAsync(standbyLeader, [cascade]);
            await Poll.UntilAsync(async () => (long)(await cascade.ScalarAsync("SELECT count(*) FROM shipped WHERE id = -2"))! == 1,
                AgentCluster.Patience, $"{cascade.Name} to replay a write of the promoted leader");
        });
    }

    /// <summary>Commits <paramref name="count"/> more rows through HAProxy's primary port, retrying while it points nowhere.</summary>
    private async Task WriteRowsAsync(string connectionString, int count)
    {
        var first = _rows + 1;
        await Poll.UntilAsync(
            async () =>
            {
                await using var connection = new NpgsqlConnection(connectionString);
                await connection.OpenAsync().WaitAsync(TimeSpan.FromSeconds(5));
                await using var insert = new NpgsqlCommand($"INSERT INTO shipped SELECT generate_series({first}, {first + count - 1}) ON CONFLICT DO NOTHING", connection);
                await insert.ExecuteNonQueryAsync().WaitAsync(TimeSpan.FromSeconds(5));
                return true;
            },
            AgentCluster.Patience,
            $"rows {first}..{first + count - 1} to commit through HAProxy");
        _rows += count;
    }

    /// <summary>Every row committed so far (ids 1.._rows) is on <paramref name="node"/>, waiting for it to replay them.</summary>
    private async Task AssertRowsAsync(AgentNode node, string when)
    {
        var expected = _rows;
        var seen = "";
        await Poll.UntilAsync(
            async () =>
            {
                await using var connection = await node.OpenConnectionAsync();
                await using var query = new NpgsqlCommand("SELECT count(*), coalesce(min(id), 0), coalesce(max(id), 0) FROM shipped WHERE id > 0", connection);
                await using var reader = await query.ExecuteReaderAsync();
                await reader.ReadAsync();
                seen = $"count {reader.GetInt64(0)}, ids {reader.GetInt64(1)}..{reader.GetInt64(2)}";
                return reader.GetInt64(0) == expected && reader.GetInt64(1) == 1 && reader.GetInt64(2) == expected;
            },
            AgentCluster.Patience,
            $"{node.Name} to hold rows 1..{expected} {when} (last seen: {seen})");
    }

    /// <summary>
    /// Indicative only (docs/benchmarks.md): the bench writer's load, one single-row commit every 20 ms through HAProxy
    /// for 30 s, while the standby leader is polled back to back for the highest id it shows. A row's lag is from its
    /// commit acknowledged at the source to the first poll on the standby leader that shows it (one clock for both).
    /// </summary>
    private async Task MeasureReplayLagAsync(string connectionString, AgentNode standbyLeader)
    {
        var loadBefore = File.ReadAllText("/proc/loadavg").Trim();
        var clock = Stopwatch.StartNew();
        var firstId = _rows + 1;
        var acked = new List<(long Id, double AtMs)>();
        var seenAt = new Dictionary<long, double>();
        using var stop = new CancellationTokenSource();

        async Task ReadAsync()
        {
            await using var probe = await standbyLeader.OpenConnectionAsync();
            await using var max = new NpgsqlCommand("SELECT coalesce(max(id), 0) FROM shipped", probe);
            var shown = firstId - 1;
            while (!stop.IsCancellationRequested)
            {
                var now = (long)(await max.ExecuteScalarAsync())!;
                var at = clock.Elapsed.TotalMilliseconds;
                lock (seenAt)
                {
                    for (var id = Math.Max(shown + 1, firstId); id <= now; id++)
                    {
                        seenAt[id] = at;
                    }
                }

                shown = Math.Max(shown, now);
            }
        }

        var reader = Task.Run(ReadAsync);
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync();
            using var pace = new PeriodicTimer(TimeSpan.FromMilliseconds(20));
            while (clock.Elapsed < TimeSpan.FromSeconds(30) && await pace.WaitForNextTickAsync())
            {
                var id = ++_rows;
                await using var insert = new NpgsqlCommand($"INSERT INTO shipped VALUES ({id})", connection);
                await insert.ExecuteNonQueryAsync();
                acked.Add((id, clock.Elapsed.TotalMilliseconds));
            }
        }

        // The last rows reach the standby leader within the deadline, or the measurement fails.
        var last = _rows;
        await Poll.UntilAsync(() => reader.IsCompleted || SeenAll(), AgentCluster.Patience, $"row {last} to reach the standby leader");

        await stop.CancelAsync();
        await reader;
        var lags = acked.Select(a => seenAt[a.Id] - a.AtMs).Order().ToList();
        double Pick(double q) => lags[Math.Min(lags.Count - 1, (int)Math.Ceiling(q * lags.Count) - 1)];
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"bench writer (one commit every 20 ms through HAProxy, {acked.Count} commits in {acked[^1].AtMs / 1000:0.0} s): commit at the source to visible on the standby leader " +
            $"median {Pick(0.5):0.0} ms, p99 {Pick(0.99):0.0} ms, max {lags[^1]:0.0} ms; /proc/loadavg before {loadBefore}, after {File.ReadAllText("/proc/loadavg").Trim()}"));

        bool SeenAll()
        {
            lock (seenAt)
            {
                return seenAt.ContainsKey(last);
            }
        }
    }

    private static async Task<string?> RoleAsync(AgentNode node) =>
        JsonNode.Parse((await AgentRest.GetAsync(node, "/patroni")).Body)?["role"]?.GetValue<string>();

    private static async Task ExplainAsync(IReadOnlyList<AgentCluster> clusters, Func<Task> body)
    {
        try
        {
            await body();
        }
        catch (Exception ex)
        {
            throw new XunitException($"{ex.GetType().Name}: {ex.Message}\n{string.Join("\n", clusters.Select(c => $"=== cluster {c.Scope}\n{c.Describe()}"))}\n--- exception:\n{ex}");
        }
    }
}
