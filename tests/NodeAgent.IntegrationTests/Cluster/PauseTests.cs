using System.Diagnostics;
using System.Text.Json.Nodes;
using NodeAgent.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace NodeAgent.IntegrationTests.Cluster;

/// <summary>Scenario: maintenance mode. Paused, only a failover to a named candidate moves the leader and a dead primary is promoted away by nobody; resumed, the cluster heals.</summary>
[Collection(AgentClusterSequence.Name)]
public sealed class PauseTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Paused_cluster_fails_over_only_to_a_named_candidate_promotes_nobody_when_the_primary_dies_and_heals_on_resume()
    {
        await using var cluster = await AgentCluster.StartAsync();
        await cluster.ExplainFailuresAsync(async () =>
        {
            var leader = await cluster.WaitForHealthyAsync();
            var replicas = cluster.Nodes.Where(n => n != leader).ToList();

            var paused = await AgentRest.PatchAsync(leader, "/config", """{"pause":true}""");
            Assert.Equal(200, paused.Status);
            Assert.True((bool?)JsonNode.Parse(paused.Body)!["pause"]);
            await Poll.UntilAsync(async () => await AllMembersAsync(cluster, m => (bool?)m["pause"] == true),
                TimeSpan.FromSeconds(15), "every member key to carry \"pause\":true");
            var patroni = JsonNode.Parse((await AgentRest.GetAsync(replicas[0], "/patroni")).Body)!;
            Assert.True((bool?)patroni["pause"]);

            // Paused, a switchover needs a candidate; a failover to a named candidate goes through.
            Assert.Equal((400, "Switchover is possible only to a specific candidate in a paused state"),
                await AgentRest.PostAsync(leader, "/switchover", $$"""{"leader":"{{leader.Name}}"}"""));
            var candidate = replicas[0];
            var clock = Stopwatch.StartNew();
            var failover = await AgentRest.PostAsync(replicas[1], "/failover", $$"""{"candidate":"{{candidate.Name}}"}""");
            output.WriteLine($"paused failover to {candidate.Name}: {failover.Status} {failover.Body} after {clock.Elapsed.TotalSeconds:0.00} s");
            Assert.Equal((200, $"Successfully failed over to \"{candidate.Name}\""), failover);
            Assert.False(await candidate.IsInRecoveryAsync());
            await cluster.WaitForStreamingAsync(candidate);
            Assert.True(await AllMembersAsync(cluster, m => (bool?)m["pause"] == true));
            (leader, replicas) = (candidate, cluster.Nodes.Where(n => n != candidate).ToList());

            clock.Restart();
            await leader.KillPostmasterAsync();
            await ObservedWindow.NeverAsync(TimeSpan.FromSeconds(AgentConfigYaml.Ttl * 2), async () =>
            {
                foreach (var replica in replicas)
                {
                    if (!await replica.IsInRecoveryAsync())
                    {
                        return $"{replica.Name} was promoted while paused";
                    }
                }
                var name = await cluster.LeaderNameAsync();
                return name is not null && name != leader.Name ? $"{name} took the leader key while paused" : null;
            });
            output.WriteLine($"paused, {leader.Name}'s postgres dead for {clock.Elapsed.TotalSeconds:0.0} s: nobody promoted; leader key: {await cluster.LeaderNameAsync() ?? "(none)"}, postmaster: {leader.PostmasterPid()?.ToString() ?? "(none)"}");

            var resumed = await AgentRest.PatchAsync(replicas[0], "/config", """{"pause":null}""");
            Assert.Equal(200, resumed.Status);
            clock.Restart();
            var healed = await cluster.WaitForHealthyAsync();
            output.WriteLine($"resumed: {healed.Name} leads with both others streaming after {clock.Elapsed.TotalSeconds:0.0} s");
            await Poll.UntilAsync(async () => await AllMembersAsync(cluster, m => m["pause"] is null),
                TimeSpan.FromSeconds(15), "member keys to drop \"pause\"");
        });
    }

    private static async Task<bool> AllMembersAsync(AgentCluster cluster, Func<JsonNode, bool> condition)
    {
        var members = await EtcdKeys.GetPrefixAsync(cluster.Etcd, cluster.KeyPrefix + "members/");
        return members.Count == 3 && members.Values.All(e => condition(JsonNode.Parse(e.Value)!));
    }
}
