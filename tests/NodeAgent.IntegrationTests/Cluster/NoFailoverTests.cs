using System.Text.Json.Nodes;
using Npgsql;
using NodeAgent.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace NodeAgent.IntegrationTests.Cluster;

/// <summary>
/// Scenario: a member tagged <c>nofailover: true</c> is never promoted, not when the leader dies and not
/// as the only survivor. (The maximum_lag_on_failover rule is covered by the decision table.)
/// </summary>
[Collection(AgentClusterSequence.Name)]
public sealed class NoFailoverTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Nofailover_member_is_never_promoted_even_as_the_only_survivor()
    {
        await using var cluster = await AgentCluster.StartAsync(name => name == "u6" ? "tags:\n  nofailover: true\n" : "");
        await cluster.ExplainFailuresAsync(async () =>
        {
            var tagged = cluster.Node("u6");
            var leader = await cluster.WaitForHealthyAsync();
            Assert.NotEqual(tagged, leader);
            var memberKey = JsonNode.Parse((await EtcdKeys.GetAsync(cluster.Etcd, cluster.KeyPrefix + "members/u6"))!)!;
            Assert.True((bool?)memberKey["tags"]?["nofailover"], $"u6's member key has no nofailover tag: {memberKey.ToJsonString()}");

            // The leader dies: the untagged replica takes over, u6 follows it.
            await leader.KillAgentAndPostmasterTogetherAsync();
            var successor = await cluster.WaitForLeaderAsync(where: n => n != leader);
            Assert.NotEqual(tagged, successor);
            await Poll.UntilAsync(async () => !await successor.IsInRecoveryAsync(), AgentCluster.Patience, $"{successor.Name} to be promoted");
            await AgentCluster.WaitForStreamingAsync(successor, [tagged]);
            output.WriteLine($"{leader.Name} killed: {successor.Name} took over, u6 streams from it");

            // The new leader stops too: u6 is alone and must stay a replica, with the lock free.
            Assert.True(await successor.StopAsync());
            await ObservedWindow.NeverAsync(TimeSpan.FromSeconds(AgentConfigYaml.Ttl * 2), async () =>
            {
                var name = await cluster.LeaderNameAsync();
                if (name == "u6")
                {
                    return "u6 took the leader key";
                }
                try
                {
                    return await tagged.IsInRecoveryAsync() ? null : "u6 left recovery";
                }
                catch (Exception e) when (e is TimeoutException or NpgsqlException)
                {
                    // Not answering in time on a loaded machine is no promotion; the leader key is still checked, and
                    // pg_is_in_recovery() once more after the window.
                    return null;
                }
            });
            Assert.Null(await cluster.LeaderNameAsync());
            bool? inRecovery = null;
            await Poll.UntilAsync(async () => (inRecovery = await tagged.IsInRecoveryAsync()) is not null, AgentCluster.Patience, "u6 to answer pg_is_in_recovery()");
            Assert.True(inRecovery, "u6 left recovery");
            output.WriteLine("u6 alone for 2 x ttl: still a replica, nobody holds the lock");

            // A failover-capable member comes back: it takes the lock and u6 follows it.
            successor.Start();
            var back = await cluster.WaitForLeaderAsync(where: n => n == successor);
            await Poll.UntilAsync(async () => !await back.IsInRecoveryAsync(), AgentCluster.Patience, $"{back.Name} to run as primary");
            await AgentCluster.WaitForStreamingAsync(back, [tagged]);
        });
    }
}
