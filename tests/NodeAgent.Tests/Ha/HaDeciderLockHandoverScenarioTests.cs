using NodeAgent.Configuration;
using NodeAgent.Ha;
using static NodeAgent.Ha.HaStep;
using static NodeAgent.Tests.Ha.Given;

namespace NodeAgent.Tests.Ha;

/// <summary>
/// The lock handover (beyond Patroni): a lock holder whose lease runs out without a renewal demotes and hands the lock
/// over; one that stalled, or does not believe it holds the lock, has nothing it may hand over.
/// </summary>
public sealed class HaDeciderLockHandoverScenarioTests
{
    private const string RunsOut = "stopped accepting writes: the leader lock could not be renewed before its lease runs out";

    [Fact]
    public void Lock_holder_cut_from_etcd_demotes_at_its_deadline_and_hands_the_lock_over()
    {
        var decision = HaDecider.Decide(Observe("u4", null, PostgresRunningAsPrimary()) with { BelievesHoldsLock = true, LockTimeLeft = TimeSpan.FromSeconds(-0.1) });

        Assert.Equal(RunsOut, decision.Reason);
        var demote = Assert.IsType<Demote>(Assert.Single(decision.Steps));
        Assert.Equal(DemoteMode.Offline, demote.Mode);
        Assert.True(demote.HandOver);
    }

    [Fact]
    public void Lock_holder_whose_renewals_fail_with_etcd_answering_hands_over_too()
    {
        var decision = HaDecider.Decide(Observe("u4", ClusterWithLeader("u4", "u5"), PostgresRunningAsPrimary()) with { BelievesHoldsLock = true, LockTimeLeft = TimeSpan.Zero });

        Assert.Equal(RunsOut, decision.Reason);
        Assert.True(decision.Find<Demote>()!.HandOver);
    }

    [Fact]
    public void Leader_that_does_not_believe_it_holds_the_lock_has_nothing_to_hand_over()
    {
        var decision = HaDecider.Decide(Observe("u4", ClusterWithLeader("u4", "u5"), PostgresRunningAsPrimary()) with { BelievesHoldsLock = false, LockTimeLeft = TimeSpan.Zero });

        Assert.Equal(RunsOut, decision.Reason);
        Assert.False(decision.Find<Demote>()!.HandOver);
    }

    [Fact]
    public void Stalled_leader_demotes_without_a_handover()
    {
        var decision = HaDecider.Decide(Observe("u4", null, PostgresRunningAsPrimary()) with { BelievesHoldsLock = true, Stalled = true, SincePreviousCycle = TimeSpan.FromSeconds(45) });

        Assert.False(decision.Find<Demote>()!.HandOver);
    }

    [Fact]
    public void Paused_leader_keeps_its_primary_and_hands_nothing_over()
    {
        var decision = HaDecider.Decide(Observe("u4", null, PostgresRunningAsPrimary()) with { Dynamic = new DynamicConfig { Pause = true }, BelievesHoldsLock = true, LockTimeLeft = TimeSpan.Zero });

        Assert.False(decision.Has<Demote>());
    }

    [Fact]
    public void Replica_whose_lease_ran_out_does_not_demote_or_hand_over()
    {
        var decision = HaDecider.Decide(Observe("u5", null, PostgresRunningAsReplica()) with { BelievesHoldsLock = true, LockTimeLeft = TimeSpan.Zero });

        Assert.False(decision.Has<Demote>());
    }
}
