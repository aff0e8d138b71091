using System.Text.Json.Nodes;
using NodeAgent.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace NodeAgent.IntegrationTests.Cluster;

/// <summary>Scenario: PATCH and PUT /config on a real cluster refuse a config that breaks the lease timing, and write nothing.</summary>
[Collection(AgentClusterSequence.Name)]
public sealed class ConfigEndpointTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Patch_config_refuses_a_ttl_below_the_timers_and_leaves_the_stored_config_alone()
    {
        await using var cluster = await AgentCluster.StartAsync();
        await cluster.ExplainFailuresAsync(async () =>
        {
            var leader = await cluster.WaitForLeaderAsync();
            var configKey = cluster.KeyPrefix + "config";
            await Poll.UntilAsync(async () => await EtcdKeys.GetAsync(cluster.Etcd, configKey) is not null, AgentCluster.Patience,
                "the leader to write the config key");
            var other = cluster.Nodes.First(n => n != leader);

            // A valid patch is stored: the seed file's timers (ttl 30, loop_wait 10, retry_timeout 10).
            var seed = await AgentRest.PatchAsync(leader, "/config", """{"ttl":30,"loop_wait":10,"retry_timeout":10}""");
            Assert.Equal(200, seed.Status);
            var stored = await EtcdKeys.GetEntryAsync(cluster.Etcd, configKey);
            var timers = JsonNode.Parse(stored!.Value)!;
            Assert.Equal((30, 10, 10), ((int)timers["ttl"]!, (int)timers["loop_wait"]!, (int)timers["retry_timeout"]!));

            // 10 + 2*10 > 5: refused on any member, with the key named, and nothing written.
            var refused = await AgentRest.PatchAsync(other, "/config", """{"ttl":5}""");
            output.WriteLine($"PATCH /config {{\"ttl\":5}} on {other.Name}: {refused.Status} {refused.Body}");
            Assert.Equal(400, refused.Status);
            Assert.Equal("ttl: loop_wait + 2*retry_timeout <= ttl is violated: 10 + 2*10 = 30 > 5", refused.Body);
            var replaced = await AgentRest.SendAsync(leader, HttpMethod.Put, "/config", """{"ttl":30,"loop_wait":0,"retry_timeout":10}""");
            Assert.Equal((400, "loop_wait: must be at least 1"), replaced);
            var malformed = await AgentRest.PatchAsync(leader, "/config", """{"ttl": """);
            Assert.Equal(400, malformed.Status);
            Assert.Equal(stored, await EtcdKeys.GetEntryAsync(cluster.Etcd, configKey));
            var shown = JsonNode.Parse((await AgentRest.GetAsync(other, "/config")).Body)!;
            Assert.Equal(30, (int)shown["ttl"]!);

            // The door is not stuck: the next valid patch is written.
            var valid = await AgentRest.PatchAsync(other, "/config", """{"ttl":40}""");
            Assert.Equal(200, valid.Status);
            Assert.Equal(40, (int)JsonNode.Parse(valid.Body)!["ttl"]!);
            var after = await EtcdKeys.GetEntryAsync(cluster.Etcd, configKey);
            Assert.True(after!.ModRevision > stored.ModRevision, "a valid patch must be written");
            Assert.Equal(40, (int)JsonNode.Parse(after.Value)!["ttl"]!);
        });
    }
}
