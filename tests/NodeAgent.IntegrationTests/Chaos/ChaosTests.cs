using NodeAgent.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace NodeAgent.IntegrationTests.Chaos;

/// <summary>
/// Issue "No split brain, nothing lost": faults on a lab of network namespaces (3 etcd, 3 agents with
/// postgres, HAProxy, a client) with the fast profile (ttl 10, loop_wait 2, retry_timeout 3). Each scenario
/// proves that its fault took effect, then asserts what its <see cref="ScenarioPromise"/> promises (no two
/// nodes acknowledging writes at once, nothing acknowledged lost) and a cluster healed by itself within 60 s.
/// </summary>
[Collection(ChaosSequence.Name)]
public sealed partial class ChaosTests(ChaosClusterFixture lab, ITestOutputHelper output) : IClassFixture<ChaosClusterFixture>
{
    /// <summary>Longer than ttl: the lease expires while the fault holds.</summary>
    private static readonly TimeSpan FaultHold = TimeSpan.FromSeconds(ChaosAgentConfig.Ttl + 5);

    private ChaosScenario Scenario => new(lab.Cluster, output);

    [Fact]
    public Task Frozen_leader_agent() => Scenario.RunAsync("frozen_leader", ScenarioPromise.FailoverAway, async (leader, fault) =>
    {
        fault.HealWith(leader.ThawAgentAsync);
        var pid = await leader.FreezeAgentAsync();
        fault.Proved($"agent {pid} state T");
        await fault.HoldAsync(FaultHold);
    });

    [Fact]
    public Task Leader_link_down() => Scenario.RunAsync("leader_link_down", ScenarioPromise.FailoverAway, CutLeaderLinkAsync);

    /// <summary>The leader's link down for <see cref="FaultHold"/>, proved cut from etcd and its peers; healed by link up.</summary>
    private async Task CutLeaderLinkAsync(ChaosNode leader, FaultRecord fault)
    {
        var peers = Etcd.Concat(RestOf(Others(leader))).ToList();
        await LinkCheck.RequireReachableAsync(leader.Host, peers);
        fault.HealWith(leader.Host.LinkUpAsync);
        await leader.Host.LinkDownAsync();
        fault.Proved(await LinkCheck.RequireCutAsync(leader.Host, peers));
        await fault.HoldAsync(FaultHold);
    }

    /// <summary>
    /// Issue 16: the leader cut off with a client on its own host, in synchronous mode. Its commits wait for a standby it
    /// can no longer reach, so nothing it acknowledges on any channel is missing on the new leader.
    /// </summary>
    [Fact]
    public async Task Leader_link_down_in_synchronous_mode()
    {
        await lab.Cluster.SetSynchronousModeAsync(true);
        try
        {
            await Scenario.RunAsync("leader_link_down_sync", ScenarioPromise.FailoverAway with { Synchronous = true }, CutLeaderLinkAsync);
        }
        finally
        {
            await lab.Cluster.SetSynchronousModeAsync(false);
        }
    }

    [Fact]
    public Task Leader_cut_from_etcd_only() => Scenario.RunAsync("leader_cut_from_etcd", ScenarioPromise.FailoverAway, async (leader, fault) =>
    {
        var others = RestOf(Others(leader)).ToList();
        await LinkCheck.RequireReachableAsync(leader.Host, [.. Etcd, .. others]);
        fault.HealWith(leader.Host.UnblockAsync);
        await leader.Host.BlockAsync(lab.Cluster.Etcd.Addresses);
        fault.Proved(await LinkCheck.RequireCutAsync(leader.Host, Etcd));
        // Only etcd is cut: the other nodes must stay reachable, or this would be a link-down scenario.
        await LinkCheck.RequireReachableAsync(leader.Host, others);
        fault.Proved($"{string.Join(", ", others)} still reachable");
        await fault.HoldAsync(FaultHold);
    });

    [Fact]
    public Task Etcd_quorum_lost_for_30_s() => Scenario.RunAsync("etcd_quorum_lost", ScenarioPromise.LeaderStopsWriting, async (_, fault) =>
    {
        var etcd = lab.Cluster.Etcd;
        var first = await etcd.LeaderIndexAsync() ?? 0;
        int[] stopped = [first, (first + 1) % etcd.Count];
        var pids = stopped.Select(etcd.Pid).ToList();
        fault.HealWith(async () =>
        {
            foreach (var member in stopped.Where(m => !etcd.IsRunning(m)))
            {
                etcd.Restart(member);
            }
            await etcd.WaitHealthyAsync(TimeSpan.FromSeconds(30));
        });
        foreach (var member in stopped)
        {
            await etcd.StopAsync(member);
        }
        await Poll.UntilAsync(() => pids.All(ProcFs.IsGone), TimeSpan.FromSeconds(10), $"etcd PIDs {string.Join(", ", pids)} to be gone");
        await Poll.UntilAsync(async () => !await etcd.HasQuorumAsync(), TimeSpan.FromSeconds(10), "etcd to lose its quorum (a linearizable read to fail)");
        fault.Proved($"etcd {string.Join(", ", stopped.Select(etcd.Name))} gone, linearizable read fails");
        await fault.HoldAsync(TimeSpan.FromSeconds(30));
    });

    /// <summary>The seed's failure drill: the etcd leader and the database leader powered off at the same moment.</summary>
    [Fact]
    public Task Etcd_leader_and_database_leader_killed_together() => Scenario.RunAsync("etcd_and_db_leader_killed", ScenarioPromise.LeaderDiesHard, async (leader, fault) =>
    {
        var etcd = lab.Cluster.Etcd;
        var etcdLeader = await etcd.LeaderIndexAsync() ?? throw new InvalidOperationException("no etcd leader to kill");
        var etcdPid = etcd.Pid(etcdLeader);
        fault.HealWith(() =>
        {
            if (!etcd.IsRunning(etcdLeader))
            {
                etcd.Restart(etcdLeader);
            }
            if (!leader.IsRunning)
            {
                leader.Start();
            }
            return Task.CompletedTask;
        });
        var node = leader.KillNodeAsync();
        await Task.WhenAll(etcd.KillAsync(etcdLeader), node);
        Assert.True(ProcFs.IsGone(etcdPid), $"etcd {etcd.Name(etcdLeader)} ({etcdPid}) survived SIGKILL");
        fault.Proved($"etcd {etcd.Name(etcdLeader)} and {leader.DescribeProcesses(await node)} of {leader.Name} gone");
        // Down for a systemd restart delay: the dead leader's lease is still running when it comes back.
        await fault.HoldAsync(TimeSpan.FromSeconds(5));
    });

    [Fact]
    public Task Replica_partitioned() => Scenario.RunAsync("replica_partitioned", ScenarioPromise.LeaderUntouched, async (leader, fault) =>
    {
        var replica = Others(leader).First();
        var peers = Etcd.Concat(RestOf([leader])).ToList();
        await LinkCheck.RequireReachableAsync(replica.Host, peers);
        fault.HealWith(replica.Host.LinkUpAsync);
        await replica.Host.LinkDownAsync();
        fault.Proved(await LinkCheck.RequireCutAsync(replica.Host, peers));
        await fault.HoldAsync(FaultHold);
    });

    /// <summary>
    /// A whole machine hangs (every process of the leader's node stopped at once) past its lease, then wakes
    /// up: measures what the old node acknowledges after the new leader's first acknowledged write.
    /// </summary>
    [Fact]
    public Task Whole_node_freeze() => Scenario.RunAsync("whole_node_freeze", ScenarioPromise.FrozenPast(FaultHold), async (leader, fault) =>
    {
        IReadOnlyDictionary<int, string> frozen = new Dictionary<int, string>();
        fault.HealWith(() => leader.ThawNodeAsync([.. frozen.Keys]));
        frozen = await leader.FreezeNodeAsync();
        fault.Proved($"{leader.DescribeProcesses(frozen)} state T");
        string? successor = null;
        await Poll.UntilAsync(
            async () => (successor = await lab.Cluster.LeaderNameAsync()) is { } name && name != leader.Name,
            FaultHold,
            $"another node to take the lock from the frozen {leader.Name}");
        fault.Proved($"{successor} took the lock at {fault.Elapsed.TotalSeconds:0.0} s");
        await fault.HoldAsync(FaultHold);
    });

    private IReadOnlyList<LabEndpoint> Etcd =>
        Enumerable.Range(0, lab.Cluster.Etcd.Count).Select(i => new LabEndpoint(lab.Cluster.Etcd.Name(i), lab.Cluster.Etcd.Addresses[i], ChaosEtcd.ClientPort)).ToList();

    private IEnumerable<ChaosNode> Others(ChaosNode node) => lab.Cluster.Nodes.Where(n => n != node);

    private static IEnumerable<LabEndpoint> RestOf(IEnumerable<ChaosNode> nodes) =>
        nodes.Select(n => new LabEndpoint(n.Name, n.Address, ChaosNode.RestApiPort));
}
