using NodeAgent.Cluster;
using NodeAgent.Configuration;
using NodeAgent.Ha;
using NodeAgent.Postgres;
using static NodeAgent.Ha.HaStep;
using static NodeAgent.Tests.Ha.Given;

namespace NodeAgent.Tests.Ha;

/// <summary>
/// More decision rows (ha.py:is_healthiest_node leader race, process_manual_failover_from_leader and
/// manual_failover_process_no_leader, demote modes, primary_start_timeout after a crash): how the lock changes hands on purpose or after a crash.
/// </summary>
public sealed class HaDeciderHandoverScenarioTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);
    private static readonly Type[] LeaderSteps = [typeof(UpdateLock), typeof(KeepaliveWatchdog), typeof(WriteStatus), typeof(SyncSlots), typeof(TouchMember)];
    private static readonly Type[] ClearedSteps = [typeof(UpdateLock), typeof(ClearFailover), typeof(KeepaliveWatchdog), typeof(WriteStatus), typeof(SyncSlots), typeof(TouchMember)];
    private static readonly Type[] GracefulDemote = [typeof(UpdateLock), typeof(Demote), typeof(TouchMember)];
    private static readonly Type[] Promotes = [typeof(AcquireLock), typeof(ClearFailover), typeof(ActivateWatchdog), typeof(Promote), typeof(TouchMember)];

    private static Observation LeaderWith(FailoverRequest failover, ClusterView? cluster = null) =>
        Observe("u4", (cluster ?? ClusterWithLeader("u4", "u5", "u6")) with { Failover = failover }, PostgresRunningAsPrimary()) with { Now = Now };

    private static ClusterView WithMember(ClusterView cluster, Member member) =>
        cluster with { Members = [.. cluster.Members.Where(m => m.Name != member.Name), member] };

    private static readonly Dictionary<string, DecisionRow> Rows = new()
    {
        // ha.py:process_manual_failover_from_leader: the leader side of a switchover
        ["switchover to a named healthy candidate demotes gracefully"] = new(
            LeaderWith(new FailoverRequest("u4", "u5", null, 7)), "manual failover: demoting myself in favour of u5", GracefulDemote),
        ["switchover without a leader name is taken by the leader"] = new(
            LeaderWith(new FailoverRequest(null, "u6", null, 7)), "manual failover: demoting myself in favour of u6", GracefulDemote),
        ["switchover naming another leader is cleared"] = new(
            LeaderWith(new FailoverRequest("u6", "u5", null, 7)), "manual failover: leader name does not match", ClearedSteps),
        ["switchover to the leader itself is cleared"] = new(
            LeaderWith(new FailoverRequest("u4", "u4", null, 7)), "manual failover: I am already the leader, no need to failover", ClearedSteps),
        ["switchover to a nofailover candidate is cleared"] = new(
            LeaderWith(new FailoverRequest("u4", "u5", null, 7), WithMember(ClusterWithLeader("u4", "u6"), Member("u5", tags: new Dictionary<string, object?> { ["nofailover"] = true }))),
            "manual failover: candidate u5 is not healthy, failover is not possible", ClearedSteps),
        ["switchover to a stopped candidate is cleared"] = new(
            LeaderWith(new FailoverRequest("u4", "u5", null, 7), WithMember(ClusterWithLeader("u4", "u6"), Member("u5") with { Data = Member("u5").Data with { State = "stopped" } })),
            "manual failover: candidate u5 is not healthy, failover is not possible", ClearedSteps),
        ["switchover with no replica at all is cleared"] = new(
            LeaderWith(new FailoverRequest("u4", null, null, 7), ClusterWithLeader("u4")),
            "manual failover: no healthy members found, failover is not possible", ClearedSteps),
        ["scheduled switchover in the future waits"] = new(
            LeaderWith(new FailoverRequest("u4", "u5", Now.AddMinutes(5), 7)), "no action. I am (u4), the leader with the lock", LeaderSteps),
        ["scheduled switchover due within loop_wait runs"] = new(
            LeaderWith(new FailoverRequest("u4", "u5", Now.AddSeconds(5), 7)), "manual failover: demoting myself in favour of u5", GracefulDemote),
        ["stale scheduled switchover is cleaned up"] = new(
            LeaderWith(new FailoverRequest("u4", "u5", Now.AddMinutes(-5), 7)), "Found a stale failover value, cleaning up", ClearedSteps),

        // ha.py:manual_failover_process_no_leader: the replica side while the key is set and the lock is free
        ["former leader does not race while a switchover is in progress"] = new(
            Observe("u4", UnlockedCluster("u4", "u5") with { Failover = new FailoverRequest("u4", null, null, 7) }, PostgresRunningAsReplica(following: null))
                with { Peers = [PeerReplica("u5", LeaderLsn - 10)] },
            "following a different leader because i am not the healthiest node (I am the former leader and a switchover is in progress)",
            [typeof(SyncSlots), typeof(TouchMember)]),
        ["unreachable failover candidate: the healthiest other member races"] = new(
            Observe("u5", UnlockedCluster("u5", "u6") with { Failover = new FailoverRequest(null, "u6", null, 7) }, PostgresRunningAsReplica())
                with { Peers = [PeerStatus.Unreachable("u6")] },
            "promoted self to leader by acquiring session lock", Promotes),
        ["replica level with its peer races (ties go to whoever is first)"] = new(
            Observe("u5", UnlockedCluster("u5", "u6"), PostgresRunningAsReplica()) with { Peers = [PeerReplica("u6", LeaderLsn)] },
            "promoted self to leader by acquiring session lock",
            [typeof(AcquireLock), typeof(ActivateWatchdog), typeof(Promote), typeof(TouchMember)]),
        ["replica lagging beyond maximum_lag_on_failover stays out even when its peer is further behind"] = new(
            Observe("u5", UnlockedCluster("u5", "u6"), ReplicaLaggingBy(2_000_000)) with { Peers = [PeerReplica("u6", LeaderLsn - 3_000_000)] },
            "following a different leader because i am not the healthiest node (my wal position exceeds maximum replication lag)",
            [typeof(SyncSlots), typeof(HaStep.Follow), typeof(TouchMember)]),
        ["better replica races while the lagging one stays out"] = new(
            Observe("u6", UnlockedCluster("u5", "u6"), PostgresRunningAsReplica(lsn: LeaderLsn - 10)) with { Peers = [PeerReplica("u5", LeaderLsn - 2_000_000)] },
            "promoted self to leader by acquiring session lock",
            [typeof(AcquireLock), typeof(ActivateWatchdog), typeof(Promote), typeof(TouchMember)]),
        ["raised maximum_lag_on_failover lets a lagging replica race"] = new(
            Observe("u5", UnlockedCluster("u5"), ReplicaLaggingBy(2_000_000)) with { Dynamic = new DynamicConfig { MaximumLagOnFailover = 4_000_000 } },
            "promoted self to leader by acquiring session lock",
            [typeof(AcquireLock), typeof(ActivateWatchdog), typeof(Promote), typeof(TouchMember)]),

        // ha.py:recover: a crash with primary_start_timeout
        ["crashed primary with primary_start_timeout 0 fails over"] = new(
            Observe("u4", ClusterWithLeader("u4", "u5"), PostgresStopped("in production")) with { Dynamic = new DynamicConfig { PrimaryStartTimeout = 0 } },
            "stopped PostgreSQL to fail over after a crash",
            [typeof(DisableWatchdog), typeof(UpdateLock), typeof(ReleaseLock), typeof(StartAsReplica), typeof(TouchMember)]),
        ["crashed primary with primary_start_timeout 0 and nobody to fail over to restarts"] = new(
            Observe("u4", ClusterWithLeader("u4"), PostgresStopped("in production")) with { Dynamic = new DynamicConfig { PrimaryStartTimeout = 0 } },
            "starting as primary because i had the session lock",
            [typeof(DisableWatchdog), typeof(UpdateLock), typeof(ActivateWatchdog), typeof(StartAsPrimary), typeof(TouchMember)]),
        ["crashed primary with primary_start_timeout 0 and only a nofailover replica restarts"] = new(
            Observe("u4", WithMember(ClusterWithLeader("u4"), Member("u5", tags: new Dictionary<string, object?> { ["nofailover"] = true })), PostgresStopped("in production"))
                with { Dynamic = new DynamicConfig { PrimaryStartTimeout = 0 } },
            "starting as primary because i had the session lock",
            [typeof(DisableWatchdog), typeof(UpdateLock), typeof(ActivateWatchdog), typeof(StartAsPrimary), typeof(TouchMember)]),
        ["cleanly stopped primary with primary_start_timeout 0 restarts"] = new(
            Observe("u4", ClusterWithLeader("u4", "u5"), PostgresStopped("shut down")) with { Dynamic = new DynamicConfig { PrimaryStartTimeout = 0 } },
            "starting as primary because i had the session lock",
            [typeof(DisableWatchdog), typeof(UpdateLock), typeof(ActivateWatchdog), typeof(StartAsPrimary), typeof(TouchMember)]),

        // ha.py:handle_starting_instance: a crashed primary's restart taking long (crash recovery): keep the lock up to primary_start_timeout.
        ["primary in crash recovery keeps the lock within primary_start_timeout"] = new(
            Observe("u4", ClusterWithLeader("u4", "u5"), RecoveringSince(Now.AddSeconds(-100))) with { Now = Now },
            "PostgreSQL is still starting up, 200 seconds until timeout",
            [typeof(UpdateLock), typeof(KeepaliveWatchdog), typeof(TouchMember)]),
        ["primary in crash recovery past primary_start_timeout is stopped and the lock released"] = new(
            Observe("u4", ClusterWithLeader("u4", "u5"), RecoveringSince(Now.AddSeconds(-301))) with { Now = Now },
            "stopped PostgreSQL because of startup timeout",
            [typeof(UpdateLock), typeof(Demote), typeof(TouchMember)]),
        ["primary in crash recovery past primary_start_timeout with nobody to take over keeps waiting"] = new(
            Observe("u4", ClusterWithLeader("u4"), RecoveringSince(Now.AddSeconds(-301))) with { Now = Now },
            "primary start has timed out, but continuing to wait because failover is not possible",
            [typeof(UpdateLock), typeof(KeepaliveWatchdog), typeof(TouchMember)]),
        ["paused primary in crash recovery is left to the pause rules"] = new(
            Observe("u4", ClusterWithLeader("u4", "u5"), RecoveringSince(Now.AddSeconds(-301))) with { Now = Now, Dynamic = new DynamicConfig { Pause = true } },
            "removed leader lock because postgres is not running as primary",
            [typeof(DisableWatchdog), typeof(ReleaseLock), typeof(TouchMember)]),
    };

    private static PostgresObservation RecoveringSince(DateTimeOffset since) =>
        PostgresStarting() with { StartingSince = since, FollowingMember = null };

    public static TheoryData<string> Names() => [.. Rows.Keys];

    [Theory]
    [MemberData(nameof(Names))]
    public void Decides(string scenario) => Rows[scenario].AssertDecided();

    // ha.py:demote modes: which stop, whether the key goes, whom to follow afterwards.
    [Fact]
    public void Switchover_demote_is_graceful_and_follows_the_candidate()
    {
        var demote = Assert.Single(HaDecider.Decide(Rows["switchover to a named healthy candidate demotes gracefully"].Observation).Steps.OfType<Demote>());

        Assert.Equal(DemoteMode.Graceful, demote.Mode);
        Assert.Equal("u5", demote.FollowAfter?.MemberName);
    }

    [Fact]
    public void Switchover_without_candidate_hands_over_to_the_most_advanced_replica()
    {
        var cluster = ClusterWithLeader("u4") with
        {
            Members =
            [
                Member("u4", MemberRole.Primary),
                Member("u5") with { Data = Member("u5").Data with { XlogLocation = LeaderLsn - 500 } },
                Member("u6") with { Data = Member("u6").Data with { XlogLocation = LeaderLsn - 5 } },
            ],
        };

        var demote = Assert.Single(HaDecider.Decide(LeaderWith(new FailoverRequest("u4", null, null, 7), cluster)).Steps.OfType<Demote>());

        Assert.Equal(DemoteMode.Graceful, demote.Mode);
        Assert.Equal("u6", demote.FollowAfter?.MemberName);
    }

    [Fact]
    public void Primary_that_finds_another_leader_demotes_immediately_keeping_no_lock_and_follows_it()
    {
        var decision = HaDecider.Decide(Observe("u5", ClusterWithLeader("u4", "u5"), PostgresRunningAsPrimary()));

        var demote = Assert.Single(decision.Steps.OfType<Demote>());
        Assert.Equal(DemoteMode.ImmediateNoLock, demote.Mode);
        Assert.Equal("u4", demote.FollowAfter?.MemberName);
        Assert.DoesNotContain(decision.Steps, s => s is ReleaseLock);
    }

    [Fact]
    public void Crash_failover_with_primary_start_timeout_0_releases_the_lock_and_starts_read_only_following_nobody()
    {
        var decision = HaDecider.Decide(Rows["crashed primary with primary_start_timeout 0 fails over"].Observation);

        Assert.Null(Assert.Single(decision.Steps.OfType<StartAsReplica>()).Upstream);
        Assert.DoesNotContain(decision.Steps, s => s is StartAsPrimary);
    }
}
