using Xunit.Abstractions;

namespace NodeAgent.IntegrationTests.Chaos;

/// <summary>
/// Issue "No split brain, nothing lost": faults on a lab of network namespaces (3 etcd, 3 agents with
/// postgres, HAProxy, a client) with the fast profile (ttl 10, loop_wait 2, retry_timeout 3). Each
/// scenario asserts no two writable primaries in any 100 ms round, no write acknowledged through HAProxy
/// missing on the final leader, and a cluster healed by itself within 60 s.
/// </summary>
[Collection(ChaosSequence.Name)]
public sealed class ChaosTests(ChaosClusterFixture lab, ITestOutputHelper output) : IClassFixture<ChaosClusterFixture>
{
    /// <summary>Longer than ttl: the lease expires while the agent is stopped.</summary>
    private static readonly TimeSpan FaultHold = TimeSpan.FromSeconds(ChaosAgentConfig.Ttl + 5);

    private ChaosScenario Scenario => new(lab.Cluster, output);

    [Fact]
    public Task Frozen_leader_agent() => Scenario.RunAsync("frozen_leader", async leader =>
    {
        leader.Freeze();
        await Task.Delay(FaultHold);
        return () =>
        {
            leader.Thaw();
            return Task.CompletedTask;
        };
    });
}
