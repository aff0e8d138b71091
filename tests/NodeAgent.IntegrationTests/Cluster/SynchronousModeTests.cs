using System.Text.Json.Nodes;
using NodeAgent.IntegrationTests.Ctl;
using NodeAgent.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace NodeAgent.IntegrationTests.Cluster;

/// <summary>
/// Issue 16, synchronous mode on a real cluster: turned on with PATCH /config as an operator would, the leader names one
/// standby in synchronous_standby_names and in the sync key; only that standby may take over, so a hard kill of the
/// leader loses no acknowledged commit; strict mode holds commits while no standby is there, non-strict lets them go.
/// </summary>
[Collection(AgentClusterSequence.Name)]
public sealed class SynchronousModeTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_hard_kill_of_the_leader_fails_over_to_the_synchronous_standby_with_every_acknowledged_commit()
    {
        await using var cluster = await AgentCluster.StartAsync();
        await cluster.ExplainFailuresAsync(async () =>
        {
            var leader = await cluster.WaitForHealthyAsync();
            var (patched, body) = await AgentRest.PatchAsync(leader, "/config", """{"synchronous_mode": true}""");
            Assert.True(patched == 200, $"PATCH /config answered {patched}: {body}");
            var (standby, other) = await WaitForSyncStandbyAsync(cluster, leader);
            output.WriteLine($"{leader.Name} names {standby.Name} synchronous; {other.Name} stays asynchronous");

            Assert.Equal(standby.Name, await leader.ScalarAsync("SHOW synchronous_standby_names"));
            Assert.Equal("sync", await leader.ScalarAsync($"SELECT sync_state FROM pg_stat_replication WHERE application_name = '{standby.Name}'"));
            // The standby reads the key at its next cycle.
            await Poll.UntilAsync(async () => (await AgentRest.GetAsync(standby, "/sync")).Status == 200, TimeSpan.FromSeconds(10), $"{standby.Name}'s /sync to answer 200");
            Assert.Equal(503, (await AgentRest.GetAsync(other, "/sync")).Status);
            Assert.Equal(200, (await AgentRest.GetAsync(other, "/async")).Status);
            var (_, patroni) = await AgentRest.GetAsync(standby, "/patroni");
            Assert.True((bool?)JsonNode.Parse(patroni)?["sync_standby"] == true, patroni);
            var list = await CtlRun.AgentCtlAsync("", "-c", standby.ConfigPath, "list");
            output.WriteLine(list.Out);
            Assert.Contains("| Sync Standby |", list.Out, StringComparison.Ordinal);

            // A switchover to the asynchronous replica is refused as Patroni refuses it, and changes nothing.
            var (refused, why) = await AgentRest.PostAsync(leader, "/switchover", $$"""{"leader":"{{leader.Name}}","candidate":"{{other.Name}}"}""");
            Assert.Equal((412, "candidate name does not match with sync_standby"), (refused, why));
            Assert.Equal(leader.Name, await cluster.LeaderNameAsync());

            await using var writer = await AckedWriter.StartAsync(cluster, leader);
            await writer.WaitForMoreAsync(60, TimeSpan.FromSeconds(30));
            await leader.KillAgentAndPostmasterTogetherAsync();
            Assert.Null(leader.PostmasterPid());
            var successor = await cluster.WaitForLeaderAsync(where: n => n != leader);
            Assert.Equal(standby.Name, successor.Name);
            await writer.WaitForMoreAsync(20, TimeSpan.FromSeconds(60));
            await writer.StopAsync();

            // Every commit acknowledged before, during and after the kill: synchronous mode promises all of them.
            var missing = await AckedWriter.MissingOnAsync(successor, writer.AllAcked());
            output.WriteLine($"{writer.AckedCount} rows acknowledged ({writer.Failures} failed attempts); missing on {successor.Name}: {missing.Count}");
            Assert.Empty(missing);
            Assert.Contains("not a synchronous standby", other.ReadLog(), StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task Strict_mode_holds_commits_without_a_standby_and_non_strict_mode_lets_them_go()
    {
        await using var cluster = await AgentCluster.StartAsync();
        await cluster.ExplainFailuresAsync(async () =>
        {
            var leader = await cluster.WaitForHealthyAsync();
            var (patched, body) = await AgentRest.PatchAsync(leader, "/config", """{"synchronous_mode": true, "synchronous_mode_strict": true}""");
            Assert.True(patched == 200, $"PATCH /config answered {patched}: {body}");
            await WaitForSyncStandbyAsync(cluster, leader);
            await leader.ScalarAsync("CREATE TABLE held (n int)");

            foreach (var replica in cluster.Nodes.Where(n => n != leader))
            {
                await replica.KillAgentAndPostmasterTogetherAsync();
                Assert.Null(replica.PostmasterPid());
            }

            await Poll.UntilAsync(async () => (string?)await leader.ScalarAsync("SHOW synchronous_standby_names") == "*", TimeSpan.FromSeconds(30), "strict mode to wait for any standby ('*')");
            await using var held = await leader.OpenConnectionAsync();
            await using var heldInsert = new Npgsql.NpgsqlCommand("INSERT INTO held VALUES (1) RETURNING n", held) { CommandTimeout = 0 };
            var insert = heldInsert.ExecuteScalarAsync();
            await Poll.UntilAsync(
                async () => Convert.ToInt64(await leader.ScalarAsync("SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'SyncRep'")) > 0,
                TimeSpan.FromSeconds(15),
                "the INSERT to wait for a synchronous standby");
            Assert.False(insert.IsCompleted, "the commit returned without a standby in strict mode");

            (patched, body) = await AgentRest.PatchAsync(leader, "/config", """{"synchronous_mode_strict": false}""");
            Assert.True(patched == 200, $"PATCH /config answered {patched}: {body}");
            await Poll.UntilAsync(() => Task.FromResult(insert.IsCompleted), TimeSpan.FromSeconds(15), "the held commit to return once strict mode is off");
            Assert.Equal(1, Convert.ToInt32(await insert));
            Assert.Equal(1L, Convert.ToInt64(await leader.ScalarAsync("INSERT INTO held VALUES (2) RETURNING 1::bigint")));
            var sync = JsonNode.Parse(await EtcdKeys.GetAsync(cluster.Etcd, cluster.KeyPrefix + "sync") ?? "{}");
            Assert.Equal(leader.Name, (string?)sync?["leader"]);
            Assert.Null((string?)sync?["sync_standby"]);
        });
    }

    [Fact]
    public async Task A_synchronous_standby_is_let_go_before_its_postgres_restarts()
    {
        await using var cluster = await AgentCluster.StartAsync();
        await cluster.ExplainFailuresAsync(async () =>
        {
            var leader = await cluster.WaitForHealthyAsync();
            var (patched, body) = await AgentRest.PatchAsync(leader, "/config", """{"synchronous_mode": true, "synchronous_mode_strict": true}""");
            Assert.True(patched == 200, $"PATCH /config answered {patched}: {body}");
            var (standby, other) = await WaitForSyncStandbyAsync(cluster, leader);
            var postmaster = standby.PostmasterPid();
            Assert.NotNull(postmaster);

            var restart = AgentRest.PostAsync(standby, "/restart", "{}");
            var named = true;
            await Poll.UntilAsync(
                async () =>
                {
                    if (standby.PostmasterPid() == postmaster)
                    {
                        return false;
                    }

                    // Read after the postmaster was seen gone: the key still naming it means it stopped while named.
                    named = (await SyncStandbyAsync(cluster))?.Split(',').Contains(standby.Name) == true;
                    return true;
                },
                TimeSpan.FromSeconds(30),
                $"{standby.Name}'s postmaster {postmaster} to stop for the restart");
            Assert.False(named, $"{standby.Name} stopped while the sync key still named it");
            // Narrowed first, then the other standby once it is verified synchronous.
            await Poll.UntilAsync(async () => await SyncStandbyAsync(cluster) == other.Name, TimeSpan.FromSeconds(15), $"the sync key to name {other.Name}");
            Assert.Equal(200, (await restart).Status);
            Assert.Contains("Waiting for primary to release us from synchronous standby", standby.ReadLog(), StringComparison.Ordinal);
        });
    }

    private static async Task<string?> SyncStandbyAsync(AgentCluster cluster) =>
        (string?)JsonNode.Parse(await EtcdKeys.GetAsync(cluster.Etcd, cluster.KeyPrefix + "sync") ?? "{}")?["sync_standby"];

    /// <summary>Until the sync key names the leader and exactly one standby that postgres waits for; (standby, the other).</summary>
    private static async Task<(AgentNode Standby, AgentNode Other)> WaitForSyncStandbyAsync(AgentCluster cluster, AgentNode leader)
    {
        string? name = null;
        await Poll.UntilAsync(
            async () =>
            {
                var sync = JsonNode.Parse(await EtcdKeys.GetAsync(cluster.Etcd, cluster.KeyPrefix + "sync") ?? "{}");
                name = (string?)sync?["sync_standby"];
                return (string?)sync?["leader"] == leader.Name && name is not null && !name.Contains(',', StringComparison.Ordinal);
            },
            TimeSpan.FromSeconds(30),
            $"the sync key to name {leader.Name} and one standby");
        var standby = cluster.Node(name!);
        return (standby, cluster.Nodes.Single(n => n != leader && n != standby));
    }
}
