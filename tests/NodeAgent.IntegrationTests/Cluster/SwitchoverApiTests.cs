using System.Diagnostics;
using NodeAgent.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace NodeAgent.IntegrationTests.Cluster;

/// <summary>Scenario: a switchover to a named candidate through POST /switchover, under write load, and its refusals.</summary>
[Collection(AgentClusterSequence.Name)]
public sealed class SwitchoverApiTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Switchover_to_a_named_candidate_moves_the_leader_without_losing_acknowledged_rows()
    {
        await using var cluster = await AgentCluster.StartAsync();
        await cluster.ExplainFailuresAsync(async () =>
        {
            var leader = await cluster.WaitForHealthyAsync();
            var candidate = cluster.Node("u5");
            if (leader == candidate)
            {
                // The scenario names u5 as the candidate: move the lock off u5 first.
                var first = await AgentRest.PostAsync(leader, "/switchover", """{"leader":"u5","candidate":"u4"}""");
                Assert.Equal((200, "Successfully switched over to \"u4\""), first);
                leader = await cluster.WaitForHealthyAsync(where: n => n.Name == "u4");
            }
            var timeline = await leader.PrimaryTimelineAsync();
            await using var writer = await AckedWriter.StartAsync(cluster, leader);
            await writer.WaitForMoreAsync(40, TimeSpan.FromSeconds(30));

            // Refusals first: each answers its code and changes nothing.
            var third = cluster.Nodes.Single(n => n != leader && n != candidate);
            Assert.Equal((412, "candidate does not exists"),
                await AgentRest.PostAsync(third, "/switchover", $$"""{"leader":"{{leader.Name}}","candidate":"u9"}"""));
            Assert.Equal((412, "leader name does not match"),
                await AgentRest.PostAsync(third, "/switchover", $$"""{"leader":"{{third.Name}}","candidate":"u5"}"""));
            Assert.Equal((400, "Switchover could be performed only from a specific leader"),
                await AgentRest.PostAsync(third, "/switchover", """{"candidate":"u5"}"""));
            Assert.Equal((400, "Failover could be performed only to a specific candidate"),
                await AgentRest.PostAsync(third, "/failover", $$"""{"leader":"{{leader.Name}}"}"""));
            var self = await AgentRest.PostAsync(third, "/switchover", $$"""{"leader":"{{leader.Name}}","candidate":"{{leader.Name}}"}""");
            Assert.Equal(412, self.Status);
            Assert.Equal("switchover is not possible: candidate is already the leader", self.Body);
            var past = await AgentRest.PostAsync(third, "/switchover", $$"""{"leader":"{{leader.Name}}","candidate":"u5","scheduled_at":"2001-01-01T00:00:00+00:00"}""");
            Assert.Equal((422, "Cannot schedule switchover in the past"), past);
            output.WriteLine($"scheduled in the past: {past.Status} {past.Body}");
            Assert.Equal(leader.Name, await cluster.LeaderNameAsync());
            Assert.Null(await FailoverKeyAsync(cluster));

            var clock = Stopwatch.StartNew();
            var answer = await AgentRest.PostAsync(third, "/switchover", $$"""{"leader":"{{leader.Name}}","candidate":"u5"}""");
            output.WriteLine($"POST /switchover answered after {clock.Elapsed.TotalSeconds:0.00} s: {answer.Status} {answer.Body}");
            Assert.Equal((200, "Successfully switched over to \"u5\""), answer);
            Assert.Equal("u5", await cluster.LeaderNameAsync());
            Assert.False(await candidate.IsInRecoveryAsync());
            Assert.Equal(timeline + 1, await candidate.PrimaryTimelineAsync());

            await cluster.WaitForStreamingAsync(candidate);
            output.WriteLine($"old leader {leader.Name} and {third.Name} stream from u5 {clock.Elapsed.TotalSeconds:0.00} s after the request");
            await writer.WaitForMoreAsync(20, TimeSpan.FromSeconds(30));
            await writer.StopAsync();
            var acked = writer.AllAcked();
            var missing = await AckedWriter.MissingOnAsync(candidate, acked);
            output.WriteLine($"{acked.Count} rows acknowledged, {writer.Failures} write attempts failed during the switchover, {missing.Count} missing");
            Assert.Empty(missing);
        });
    }

    private static async Task<string?> FailoverKeyAsync(AgentCluster cluster)
    {
        var value = await EtcdKeys.GetAsync(cluster.Etcd, cluster.KeyPrefix + "failover");
        return string.IsNullOrEmpty(value) || value == "{}" ? null : value;
    }
}
