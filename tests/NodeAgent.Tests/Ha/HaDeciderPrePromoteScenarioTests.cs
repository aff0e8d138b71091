using NodeAgent.Cluster;
using NodeAgent.Configuration;
using NodeAgent.Ha;
using static NodeAgent.Ha.HaStep;
using static NodeAgent.Tests.Ha.Given;

namespace NodeAgent.Tests.Ha;

/// <summary>
/// pre_promote (postgresql/__init__.py:_pre_promote, ha.py:enforce_primary_role and is_healthiest_node): run before the
/// promotion, its failure releases the lock, and the node then stays out of the leader race for ttl.
/// </summary>
public sealed class HaDeciderPrePromoteScenarioTests
{
    private static Observation WithPrePromote(Observation o) =>
        o with { Config = o.Config with { Postgresql = new PostgresqlConfig { PrePromote = "/usr/local/bin/fence --now" } } };

    private static Observation RacingReplica(string me = "u5") =>
        Observe(me, UnlockedCluster("u5", "u6"), PostgresRunningAsReplica()) with { Peers = [PeerReplica("u6", LeaderLsn - 10)] };

    private static readonly Dictionary<string, DecisionRow> Rows = new()
    {
        ["without pre_promote the race promotes directly"] = new(
            RacingReplica(), "promoted self to leader by acquiring session lock",
            [typeof(AcquireLock), typeof(ActivateWatchdog), typeof(Promote), typeof(TouchMember)]),
        ["with pre_promote the lock winner runs it before anything else of the promotion"] = new(
            WithPrePromote(RacingReplica()), "promoted self to leader by acquiring session lock",
            [typeof(AcquireLock), typeof(PrePromote), typeof(ActivateWatchdog), typeof(Promote), typeof(TouchMember)]),
        ["a switchover candidate runs it after clearing the failover key"] = new(
            WithPrePromote(RacingReplica() with { Cluster = UnlockedCluster("u4", "u5", "u6") with { Failover = new FailoverRequest("u4", "u5", null, 7) } }),
            "promoted self to leader by acquiring session lock",
            [typeof(AcquireLock), typeof(ClearFailover), typeof(PrePromote), typeof(ActivateWatchdog), typeof(Promote), typeof(TouchMember)]),
        ["a lock holder that is already primary does not run it"] = new(
            WithPrePromote(Observe("u4", ClusterWithLeader("u4", "u5"), PostgresRunningAsPrimary())), "no action. I am (u4), the leader with the lock",
            [typeof(UpdateLock), typeof(KeepaliveWatchdog), typeof(WriteStatus), typeof(SyncSlots), typeof(TouchMember)]),
        ["within ttl of a failed pre_promote the node skips the race"] = new(
            WithPrePromote(RacingReplica()) with { SincePrePromoteFailure = TimeSpan.FromSeconds(29) },
            "following a different leader because i am not the healthiest node (backoff: skip leader race after pre_promote script failure and releasing the lock voluntarily)",
            [typeof(SyncSlots), typeof(HaStep.Follow), typeof(TouchMember)]),
        ["ttl after a failed pre_promote the node races again"] = new(
            WithPrePromote(RacingReplica()) with { SincePrePromoteFailure = TimeSpan.FromSeconds(30) }, "promoted self to leader by acquiring session lock",
            [typeof(AcquireLock), typeof(PrePromote), typeof(ActivateWatchdog), typeof(Promote), typeof(TouchMember)]),
    };

    public static TheoryData<string> Names() => [.. Rows.Keys];

    [Theory]
    [MemberData(nameof(Names))]
    public void Decides(string scenario) => Rows[scenario].AssertDecided();

    [Fact]
    public void A_failed_pre_promote_releases_the_lock_voluntarily_and_says_why()
    {
        var guard = Assert.Single(HaDecider.Decide(WithPrePromote(RacingReplica())).Steps.OfType<PrePromote>());

        Assert.Equal("Promotion cancelled because the pre-promote script failed", guard.Otherwise.Reason);
        Assert.Equal([nameof(ReleaseLock), nameof(TouchMember)], guard.Otherwise.Steps.Select(s => s.GetType().Name));
    }
}
