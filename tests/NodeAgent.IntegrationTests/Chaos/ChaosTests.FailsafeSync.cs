using System.Globalization;
using NodeAgent.IntegrationTests.Fixtures;

namespace NodeAgent.IntegrationTests.Chaos;

/// <summary>
/// Issue 17, the partition variant with nothing lost: failsafe_mode and synchronous_mode together. The asynchronous
/// variant loses what the isolated leader committed locally after its last streamed byte; with a synchronous standby
/// those commits wait for a standby it can no longer reach, so no write it acknowledges on any channel is missing on
/// the replica that takes over.
/// </summary>
public sealed partial class ChaosTests
{
    /// <summary>No etcd, then the leader isolated while etcd comes back for the replicas, in synchronous mode.</summary>
    [Fact]
    public async Task Etcd_quorum_lost_then_leader_isolated_in_failsafe_and_synchronous_mode()
    {
        await lab.Cluster.SetSynchronousModeAsync(true);
        try
        {
            await WithFailsafeModeAsync(() =>
                Scenario.RunAsync("etcd_quorum_lost_then_leader_isolated_sync", ScenarioPromise.FailoverAway with { WritesStopWithin = TimeSpan.FromSeconds(45), Synchronous = true }, async (leader, fault) =>
                {
                    var logFrom = LogLength(leader);
                    var peers = Etcd.Concat(RestOf(Others(leader))).ToList();
                    var restoreEtcd = await LoseEtcdQuorumAsync(fault, alsoHeal: leader.Host.LinkUpAsync);
                    await RequireLoggedAsync(leader, logFrom, FailsafeKept, fault);
                    await leader.Host.LinkDownAsync();
                    fault.Proved(await LinkCheck.RequireCutAsync(leader.Host, peers));
                    await restoreEtcd();
                    fault.Proved($"etcd quorum back at {fault.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s");
                    string? successor = null;
                    await Poll.UntilAsync(
                        async () => (successor = await lab.Cluster.LeaderNameAsync()) is { } name && name != leader.Name,
                        TimeSpan.FromSeconds(60),
                        $"the synchronous standby to take the lock from the isolated {leader.Name}");
                    fault.Proved($"{successor} took the lock at {fault.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s");
                    await fault.HoldAsync(fault.Elapsed + TimeSpan.FromSeconds(5));
                }));
        }
        finally
        {
            await lab.Cluster.SetSynchronousModeAsync(false);
        }
    }
}
