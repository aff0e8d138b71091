using System.Text.Json.Nodes;
using NodeAgent.IntegrationTests.Fixtures;

namespace NodeAgent.IntegrationTests.Cluster;

/// <summary>
/// Issue 15, a fence that fails closed: pause disarms the leader's fence; after a resume its running primary must be
/// fenced again (ha.py:enforce_primary_role activates a watchdog that is not running), not left unfenced until the next
/// promotion. Read from the leader's own <c>GET /patroni</c>.
/// </summary>
[Collection(AgentClusterSequence.Name)]
public sealed class ResumeRearmsFenceTests
{
    [Fact]
    public async Task A_resumed_leader_arms_its_fence_again()
    {
        await using var cluster = await AgentCluster.StartAsync();
        await cluster.ExplainFailuresAsync(async () =>
        {
            var leader = await cluster.WaitForHealthyAsync();
            await Poll.UntilAsync(async () => await FenceArmedAsync(leader) == true, AgentCluster.Patience, $"{leader.Name}'s fence to be armed");

            Assert.Equal(200, (await AgentRest.PatchAsync(leader, "/config", """{"pause":true}""")).Status);
            await Poll.UntilAsync(async () => await FenceArmedAsync(leader) == false, AgentCluster.Patience, $"pause to disarm {leader.Name}'s fence");

            Assert.Equal(200, (await AgentRest.PatchAsync(leader, "/config", """{"pause":null}""")).Status);
            await Poll.UntilAsync(async () => await FenceArmedAsync(leader) == true, AgentCluster.Patience, $"the resumed {leader.Name} to arm its fence again");
            Assert.Equal(leader.Name, await cluster.LeaderNameAsync());
            Assert.False(await leader.IsInRecoveryAsync());
        });
    }

    private static async Task<bool?> FenceArmedAsync(AgentNode node) =>
        (bool?)JsonNode.Parse((await AgentRest.GetAsync(node, "/patroni")).Body)?["fence"]?["armed"];
}
