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

    [Fact]
    public Task Leader_link_down() => Scenario.RunAsync("leader_link_down", async leader =>
    {
        await leader.Host.LinkDownAsync();
        await Task.Delay(FaultHold);
        return leader.Host.LinkUpAsync;
    });

    [Fact]
    public Task Leader_cut_from_etcd_only() => Scenario.RunAsync("leader_cut_from_etcd", async leader =>
    {
        await leader.Host.BlockAsync(lab.Cluster.Etcd.Addresses);
        await Task.Delay(FaultHold);
        return leader.Host.UnblockAsync;
    });

    [Fact]
    public Task Etcd_quorum_lost_for_30_s() => Scenario.RunAsync("etcd_quorum_lost", async _ =>
    {
        var etcd = lab.Cluster.Etcd;
        var first = await etcd.LeaderIndexAsync() ?? 0;
        int[] stopped = [first, (first + 1) % etcd.Count];
        foreach (var member in stopped)
        {
            await etcd.StopAsync(member);
        }
        await Task.Delay(TimeSpan.FromSeconds(30));
        return async () =>
        {
            foreach (var member in stopped)
            {
                etcd.Restart(member);
            }
            await etcd.WaitHealthyAsync(TimeSpan.FromSeconds(30));
        };
    });

    [Fact]
    public Task Etcd_leader_and_database_leader_killed_together() => Scenario.RunAsync("etcd_and_db_leader_killed", async leader =>
    {
        var etcd = lab.Cluster.Etcd;
        var etcdLeader = await etcd.LeaderIndexAsync() ?? throw new InvalidOperationException("no etcd leader to kill");
        await Task.WhenAll(etcd.KillAsync(etcdLeader), leader.KillWithPostgresAsync());
        // Down for a systemd restart delay: the dead leader's lease is still running when it comes back.
        await Task.Delay(TimeSpan.FromSeconds(5));
        return () =>
        {
            etcd.Restart(etcdLeader);
            leader.Start();
            return Task.CompletedTask;
        };
    });

    [Fact]
    public Task Replica_partitioned() => Scenario.RunAsync("replica_partitioned", async leader =>
    {
        var replica = lab.Cluster.Nodes.First(n => n != leader);
        await replica.Host.LinkDownAsync();
        await Task.Delay(FaultHold);
        return replica.Host.LinkUpAsync;
    });
}
