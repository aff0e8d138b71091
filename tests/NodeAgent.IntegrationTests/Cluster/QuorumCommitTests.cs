using System.Text.Json.Nodes;
using NodeAgent.IntegrationTests.Ctl;
using NodeAgent.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace NodeAgent.IntegrationTests.Cluster;

/// <summary>
/// Issue 16, quorum commit (<c>synchronous_mode: quorum</c>, Patroni 4) on a real three-node cluster: the leader runs
/// synchronous_standby_names = ANY 1 (both replicas) and the sync key names both as voters with quorum 1; after a hard
/// kill of the leader while a client writes with synchronous_commit on, the new leader holds every acknowledged write.
/// </summary>
[Collection(AgentClusterSequence.Name)]
public sealed class QuorumCommitTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_hard_kill_of_the_leader_in_quorum_mode_loses_no_acknowledged_commit()
    {
        await using var cluster = await AgentCluster.StartAsync();
        await cluster.ExplainFailuresAsync(async () =>
        {
            var leader = await cluster.WaitForHealthyAsync();
            var (patched, body) = await AgentRest.PatchAsync(leader, "/config", """{"synchronous_mode": "quorum"}""");
            Assert.True(patched == 200, $"PATCH /config answered {patched}: {body}");
            var replicas = cluster.Nodes.Where(n => n != leader).OrderBy(n => n.Name, StringComparer.Ordinal).ToList();
            var voters = string.Join(',', replicas.Select(n => n.Name));

            // The steady state quorum.py reaches: sync = voters = both replicas, numsync 1, quorum 2 - 1.
            JsonNode? key = null;
            await Poll.UntilAsync(
                async () =>
                {
                    key = JsonNode.Parse(await EtcdKeys.GetAsync(cluster.Etcd, cluster.KeyPrefix + "sync") ?? "{}");
                    return (string?)key?["leader"] == leader.Name && (string?)key?["sync_standby"] == voters && (int?)key?["quorum"] == 1;
                },
                TimeSpan.FromSeconds(60),
                $"the sync key to name {leader.Name} with voters {voters} and quorum 1");
            output.WriteLine($"sync key: {key?.ToJsonString()}");
            Assert.Equal($"ANY 1 ({voters})", await leader.ScalarAsync("SHOW synchronous_standby_names"));
            Assert.Equal(2L, Convert.ToInt64(await leader.ScalarAsync("SELECT count(*) FROM pg_stat_replication WHERE sync_state = 'quorum'")));

            foreach (var replica in replicas)
            {
                await Poll.UntilAsync(async () => (await AgentRest.GetAsync(replica, "/quorum")).Status == 200, TimeSpan.FromSeconds(15), $"{replica.Name}'s /quorum to answer 200");
                Assert.Equal(503, (await AgentRest.GetAsync(replica, "/sync")).Status);
                Assert.Equal(503, (await AgentRest.GetAsync(replica, "/async")).Status);
            }

            Assert.Equal(200, (await AgentRest.GetAsync(leader, "/read-only-quorum")).Status);
            var list = await CtlRun.AgentCtlAsync("", "-c", replicas[0].ConfigPath, "list");
            output.WriteLine(list.Out);
            Assert.Contains("| Quorum Standby |", list.Out, StringComparison.Ordinal);

            await using var writer = await AckedWriter.StartAsync(cluster, leader);
            await writer.WaitForMoreAsync(60, TimeSpan.FromSeconds(30));
            await leader.KillAgentAndPostmasterTogetherAsync();
            Assert.Null(leader.PostmasterPid());
            var successor = await cluster.WaitForLeaderAsync(where: n => n != leader);
            await writer.WaitForMoreAsync(20, TimeSpan.FromSeconds(60));
            await writer.StopAsync();

            // Every commit acknowledged before, during and after the kill: quorum commit promises all of them.
            var missing = await AckedWriter.MissingOnAsync(successor, writer.AllAcked());
            output.WriteLine($"{writer.AckedCount} rows acknowledged ({writer.Failures} failed attempts); {successor.Name} took over; missing: {missing.Count}");
            Assert.Empty(missing);

            // The new leader names itself in the key, with the dead leader as a voter until it is dropped.
            await Poll.UntilAsync(
                async () => (string?)JsonNode.Parse(await EtcdKeys.GetAsync(cluster.Etcd, cluster.KeyPrefix + "sync") ?? "{}")?["leader"] == successor.Name,
                TimeSpan.FromSeconds(30),
                $"the sync key to name {successor.Name} as leader");
        });
    }
}
