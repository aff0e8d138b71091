using System.Diagnostics;
using Xunit.Abstractions;

namespace NodeAgent.IntegrationTests.Cluster;

/// <summary>Acceptance: three real agents on empty data dirs form one primary and two streaming replicas.</summary>
[Collection(AgentClusterSequence.Name)]
public sealed class BootstrapTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Three_agents_on_empty_data_dirs_elect_one_leader_with_two_streaming_replicas()
    {
        var clock = Stopwatch.StartNew();
        await using var cluster = await AgentCluster.StartAsync();
        await cluster.ExplainFailuresAsync(async () =>
        {
            var leader = await cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(60));
            output.WriteLine($"leader key held by {leader.Name} after {clock.Elapsed.TotalSeconds:0.0} s");
            await cluster.WaitForStreamingAsync(leader, TimeSpan.FromSeconds(60));
            output.WriteLine($"both replicas streaming after {clock.Elapsed.TotalSeconds:0.0} s");
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60) + TimeSpan.FromSeconds(15),
                $"cluster formation took {clock.Elapsed.TotalSeconds:0.0} s");

            Assert.False(await leader.IsInRecoveryAsync(), $"leader {leader.Name} is in recovery");
            Assert.Equal(leader.Name, await cluster.LeaderNameAsync());
            var replicas = cluster.Nodes.Where(n => n != leader).ToList();
            foreach (var replica in replicas)
            {
                Assert.True(await replica.IsInRecoveryAsync(), $"replica {replica.Name} is not in recovery");
            }

            var token = Guid.NewGuid().ToString("N");
            await leader.ScalarAsync($"CREATE TABLE acceptance (token text); INSERT INTO acceptance VALUES ('{token}')");
            foreach (var replica in replicas)
            {
                await Fixtures.Poll.UntilAsync(
                    async () => (string?)await replica.ScalarAsync("SELECT token FROM acceptance") == token,
                    TimeSpan.FromSeconds(30),
                    $"the row inserted on {leader.Name} to be readable on {replica.Name}");
            }
        });
    }
}
