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
            await WithFailsafeModeAsync(() => Scenario.RunAsync(
                "etcd_quorum_lost_then_leader_isolated_sync",
                ScenarioPromise.FailoverAway with { WritesStopWithin = TimeSpan.FromSeconds(45), Synchronous = true },
                IsolateLeaderWhileEtcdReturnsAsync));
        }
        finally
        {
            await lab.Cluster.SetSynchronousModeAsync(false);
        }
    }
}
