using NodeAgent.Cluster;
using NodeAgent.Configuration;
using NodeAgent.Ha;
using NodeAgent.Postgres;
using static NodeAgent.Ha.HaStep;
using static NodeAgent.Tests.Ha.Given;

namespace NodeAgent.Tests.Ha;

/// <summary>
/// The HA decision as a table: observation in, steps and reason out (ha.py:_run_cycle: steady state, DCS
/// unreachable, leader race, pause, bootstrap, and the stall-safety rule). Each row names the situation in operator words.
/// </summary>
public sealed class HaDeciderScenarioTests
{
    private static readonly DynamicConfig Paused = new() { Pause = true };

    private static readonly Dictionary<string, DecisionRow> Rows = new()
    {
        // ha.py:process_healthy_cluster: steady state
        ["leader with the lock renews it"] = new(
            Observe("u4", ClusterWithLeader("u4", "u5", "u6"), PostgresRunningAsPrimary()),
            "no action. I am (u4), the leader with the lock",
            [typeof(UpdateLock), typeof(KeepaliveWatchdog), typeof(WriteStatus), typeof(SyncSlots), typeof(TouchMember)]),
        ["replica following the leader does nothing"] = new(
            Observe("u5", ClusterWithLeader("u4", "u5", "u6"), PostgresRunningAsReplica("u4")),
            "no action. I am (u5), a secondary, and following a leader (u4)",
            [typeof(SyncSlots), typeof(TouchMember)]),
        ["replica following nobody is pointed at the leader"] = new(
            Observe("u5", ClusterWithLeader("u4", "u5"), PostgresRunningAsReplica(following: null)),
            "no action. I am (u5), a secondary, and following a leader (u4)",
            [typeof(SyncSlots), typeof(HaStep.Follow), typeof(TouchMember)]),
        ["replica following an old leader is re-pointed"] = new(
            Observe("u5", ClusterWithLeader("u6", "u5"), PostgresRunningAsReplica("u4")),
            "no action. I am (u5), a secondary, and following a leader (u6)",
            [typeof(SyncSlots), typeof(HaStep.Follow), typeof(TouchMember)]),
        ["primary without the lock demotes"] = new(
            Observe("u5", ClusterWithLeader("u4", "u5"), PostgresRunningAsPrimary()),
            "demoting self because I do not have the lock and I was a leader",
            [typeof(Demote), typeof(TouchMember)]),
        ["lock holder running read-only promotes"] = new(
            Observe("u4", ClusterWithLeader("u4", "u5"), PostgresRunningAsReplica(following: null)),
            "promoted self to leader because I had the session lock",
            [typeof(UpdateLock), typeof(ActivateWatchdog), typeof(Promote), typeof(TouchMember)]),
        ["leader after promotion writes history"] = new(
            Observe("u4", ClusterWithLeader("u4", "u5"), PostgresRunningAsPrimary(timeline: 2)),
            "no action. I am (u4), the leader with the lock",
            [typeof(UpdateLock), typeof(KeepaliveWatchdog), typeof(WriteStatus), typeof(WriteHistory), typeof(SyncSlots), typeof(TouchMember)]),
        ["leader with missing initialize key writes it"] = new(
            Observe("u4", ClusterWithLeader("u4") with { Initialize = null }, PostgresRunningAsPrimary()),
            "no action. I am (u4), the leader with the lock",
            [typeof(WriteInitialize), typeof(UpdateLock), typeof(KeepaliveWatchdog), typeof(WriteStatus), typeof(SyncSlots), typeof(TouchMember)]),

        // ha.py:process_unhealthy_cluster: leader race
        ["healthiest replica takes the free lock and promotes"] = new(
            Observe("u5", UnlockedCluster("u5", "u6"), PostgresRunningAsReplica()) with { Peers = [PeerReplica("u6", LeaderLsn - 100)] },
            "promoted self to leader by acquiring session lock",
            [typeof(AcquireLock), typeof(ActivateWatchdog), typeof(Promote), typeof(TouchMember)]),
        ["running primary retakes the free lock"] = new(
            Observe("u4", UnlockedCluster("u4", "u5"), PostgresRunningAsPrimary()),
            "acquired session lock as a leader",
            [typeof(AcquireLock), typeof(KeepaliveWatchdog), typeof(WriteStatus), typeof(SyncSlots), typeof(TouchMember)]),
        ["replica behind a peer does not race"] = new(
            Observe("u5", UnlockedCluster("u5", "u6"), PostgresRunningAsReplica("u4", LeaderLsn - 100)) with { Peers = [PeerReplica("u6", LeaderLsn)] },
            "following a different leader because i am not the healthiest node (Wal position of u6 is ahead of my wal position)",
            [typeof(SyncSlots), typeof(HaStep.Follow), typeof(TouchMember)]),
        ["replica loses to a primary that is still alive"] = new(
            Observe("u5", UnlockedCluster("u5", "u4"), PostgresRunningAsReplica(following: null)) with { Peers = [PeerPrimary("u4")] },
            "following a different leader because i am not the healthiest node (Primary (u4) is still alive)",
            [typeof(SyncSlots), typeof(TouchMember)]),
        ["replica lagging beyond maximum_lag_on_failover does not race"] = new(
            Observe("u5", UnlockedCluster("u5"), ReplicaLaggingBy(2_000_000)),
            "following a different leader because i am not the healthiest node (my wal position exceeds maximum replication lag)",
            [typeof(SyncSlots), typeof(HaStep.Follow), typeof(TouchMember)]),
        ["replica lagging within maximum_lag_on_failover races"] = new(
            Observe("u5", UnlockedCluster("u5"), ReplicaLaggingBy(1_000_000)),
            "promoted self to leader by acquiring session lock",
            [typeof(AcquireLock), typeof(ActivateWatchdog), typeof(Promote), typeof(TouchMember)]),
        ["unreachable peer ahead is ignored"] = new(
            Observe("u5", UnlockedCluster("u5", "u6"), PostgresRunningAsReplica()) with { Peers = [PeerStatus.Unreachable("u6") with { WalPosition = new Lsn(LeaderLsn + 5) }] },
            "promoted self to leader by acquiring session lock",
            [typeof(AcquireLock), typeof(ActivateWatchdog), typeof(Promote), typeof(TouchMember)]),
        ["peer ahead with nofailover is ignored"] = new(
            Observe("u5", UnlockedCluster("u5", "u6"), PostgresRunningAsReplica()) with { Peers = [PeerReplica("u6", LeaderLsn + 5) with { NoFailover = true }] },
            "promoted self to leader by acquiring session lock",
            [typeof(AcquireLock), typeof(ActivateWatchdog), typeof(Promote), typeof(TouchMember)]),
        ["peer ahead with a failed watchdog is ignored"] = new(
            Observe("u5", UnlockedCluster("u5", "u6"), PostgresRunningAsReplica()) with { Peers = [PeerReplica("u6", LeaderLsn + 5) with { WatchdogFailed = true }] },
            "promoted self to leader by acquiring session lock",
            [typeof(AcquireLock), typeof(ActivateWatchdog), typeof(Promote), typeof(TouchMember)]),
        ["nofailover node never races"] = new(
            Observe("u5", UnlockedCluster("u5"), PostgresRunningAsReplica()) with { Config = Config("u5", ("nofailover", true)) },
            "following a different leader because I am not allowed to promote",
            [typeof(SyncSlots), typeof(HaStep.Follow), typeof(TouchMember)]),
        ["check_timeline keeps a node on an old timeline out"] = new(
            Observe("u5", UnlockedCluster("u5") with { History = [new TimelineHistoryEntry(1, 100, "x", null, "u4")] }, PostgresRunningAsReplica(following: null))
                with { Dynamic = new DynamicConfig { CheckTimeline = true } },
            "following a different leader because i am not the healthiest node (my timeline 1 is behind last known cluster timeline 2)",
            [typeof(SyncSlots), typeof(TouchMember)]),
        ["required but unusable watchdog keeps a node out"] = new(
            Observe("u5", UnlockedCluster("u5"), PostgresRunningAsReplica(following: null))
                with { WatchdogHealthy = false, Config = Config("u5") with { Watchdog = new WatchdogConfig { Mode = WatchdogMode.Required } } },
            "following a different leader because i am not the healthiest node (watchdog is required but not usable)",
            [typeof(SyncSlots), typeof(TouchMember)]),
        ["starting postgres does not race"] = new(
            Observe("u5", UnlockedCluster("u5"), PostgresStarting() with { FollowingMember = null }),
            "following a different leader because i am not the healthiest node (postgres is still starting)",
            [typeof(TouchMember)]),
        ["failover candidate races and clears the key"] = new(
            Observe("u6", UnlockedCluster("u5", "u6") with { Failover = new FailoverRequest(null, "u6", null, 7) }, PostgresRunningAsReplica()) with { Peers = [PeerReplica("u5", LeaderLsn + 5)] },
            "promoted self to leader by acquiring session lock",
            [typeof(AcquireLock), typeof(ClearFailover), typeof(ActivateWatchdog), typeof(Promote), typeof(TouchMember)]),
        ["non-candidate waits for a reachable failover candidate"] = new(
            Observe("u5", UnlockedCluster("u5", "u6") with { Failover = new FailoverRequest(null, "u6", null, 7) }, PostgresRunningAsReplica(following: null)) with { Peers = [PeerReplica("u6", LeaderLsn - 5)] },
            "following a different leader because i am not the healthiest node (manual failover to u6)",
            [typeof(SyncSlots), typeof(TouchMember)]),

        // ha.py:_run_cycle: DCS unreachable
        ["primary demotes offline when the DCS is unreachable"] = new(
            Observe("u4", null, PostgresRunningAsPrimary()),
            "demoted self because DCS is not accessible and I was a leader",
            [typeof(Demote)]),
        ["lock holder keeps its primary while the lease runs, retrying etcd"] = new(
            Observe("u4", null, PostgresRunningAsPrimary()) with { BelievesHoldsLock = true, LockTimeLeft = TimeSpan.FromSeconds(25) },
            "DCS is not accessible; keeping the primary while the leader lock is valid for 25 s more",
            []),
        ["lock holder within a cycle (loop_wait + retry_timeout) of its demotion deadline checkpoints ahead of the stop"] = new(
            Observe("u4", null, PostgresRunningAsPrimary()) with { BelievesHoldsLock = true, LockTimeLeft = TimeSpan.FromSeconds(5) },
            "DCS is not accessible; keeping the primary while the leader lock is valid for 5 s more",
            [typeof(CheckpointAhead)]),
        ["lock holder stops writes once the lease leaves only the safety margins"] = new(
            Observe("u4", null, PostgresRunningAsPrimary()) with { BelievesHoldsLock = true, LockTimeLeft = TimeSpan.FromSeconds(-0.1) },
            "stopped accepting writes: the leader lock could not be renewed before its lease runs out",
            [typeof(Demote)]),
        ["replica keeps replicating when the DCS is unreachable"] = new(
            Observe("u5", null, PostgresRunningAsReplica()),
            "DCS is not accessible",
            []),
        ["paused primary keeps running when the DCS is unreachable"] = new(
            Observe("u4", null, PostgresRunningAsPrimary()) with { Dynamic = Paused },
            "DCS is not accessible",
            []),

        // A primary that stopped answering is still a primary: never promoted again, demoted when the lock goes
        ["lock holder whose primary hangs keeps the lock and feeds the fence"] = new(
            Observe("u4", ClusterWithLeader("u4", "u5"), PostgresHungPrimary()),
            "no action. I am (u4), the leader with the lock",
            [typeof(UpdateLock), typeof(KeepaliveWatchdog), typeof(TouchMember)]),
        ["hung primary without the lock is demoted"] = new(
            Observe("u4", ClusterWithLeader("u5", "u4"), PostgresHungPrimary()),
            "demoting self because I do not have the lock and I was a leader",
            [typeof(Demote), typeof(TouchMember)]),
        ["hung primary stops when the lease runs out with the DCS down"] = new(
            Observe("u4", null, PostgresHungPrimary()) with { BelievesHoldsLock = true, LockTimeLeft = TimeSpan.Zero },
            "stopped accepting writes: the leader lock could not be renewed before its lease runs out",
            [typeof(Demote)]),

        // Issue 10: stall safety
        ["leader whose lock is nearly expired stops writes first"] = new(
            Observe("u4", ClusterWithLeader("u4", "u5"), PostgresRunningAsPrimary()) with { LockTimeLeft = TimeSpan.Zero },
            "stopped accepting writes: the leader lock could not be renewed before its lease runs out",
            [typeof(Demote)]),
        ["leader that stalled stops writes first even with the DCS down"] = new(
            Observe("u4", null, PostgresRunningAsPrimary()) with { Stalled = true, SincePreviousCycle = TimeSpan.FromSeconds(45) },
            "stopped accepting writes: this agent stalled for 45 s, longer than the leader lock can be trusted",
            [typeof(Demote)]),
        ["stalled leader already read-only renews before promoting again"] = new(
            Observe("u4", ClusterWithLeader("u4", "u5"), PostgresRunningAsReplica(following: null)) with { Stalled = true, LockTimeLeft = TimeSpan.FromSeconds(-15) },
            "promoted self to leader because I had the session lock",
            [typeof(UpdateLock), typeof(ActivateWatchdog), typeof(Promote), typeof(TouchMember)]),

        // ha.py:bootstrap
        ["empty node in an uninitialised cluster races to bootstrap"] = new(
            Observe("u4", EmptyCluster(), EmptyDataDir()),
            "trying to bootstrap a new cluster",
            [typeof(DisableWatchdog), typeof(RaceInitialize), typeof(Bootstrap), typeof(TouchMember)]),
        ["empty node waits while another bootstraps"] = new(
            Observe("u5", BootstrappingCluster(), EmptyDataDir()),
            "waiting for leader to bootstrap",
            [typeof(DisableWatchdog), typeof(TouchMember)]),
        ["empty nofailover node does not bootstrap"] = new(
            Observe("u5", EmptyCluster(), EmptyDataDir()) with { Config = Config("u5", ("nofailover", true)) },
            "waiting for leader to bootstrap",
            [typeof(DisableWatchdog), typeof(TouchMember)]),
        ["empty node in a leaderless cluster restores with a no_leader method"] = new(
            Observe("u5", UnlockedCluster("u4"), EmptyDataDir()) with { Config = WithReplicaMethod(Config("u5"), noLeader: true) },
            "trying to bootstrap (without leader)",
            [typeof(DisableWatchdog), typeof(CloneFrom), typeof(TouchMember)]),
        ["empty node in a leaderless cluster waits when every method needs a leader"] = new(
            Observe("u5", UnlockedCluster("u4"), EmptyDataDir()) with { Config = WithReplicaMethod(Config("u5"), noLeader: false) },
            "waiting for leader to bootstrap",
            [typeof(DisableWatchdog), typeof(TouchMember)]),
        ["empty node does not restore without leader while another node initialises"] = new(
            Observe("u5", BootstrappingCluster(), EmptyDataDir()) with { Config = WithReplicaMethod(Config("u5"), noLeader: true) },
            "waiting for leader to bootstrap",
            [typeof(DisableWatchdog), typeof(TouchMember)]),
        ["empty node clones from the running leader"] = new(
            Observe("u5", ClusterWithLeader("u4"), EmptyDataDir()),
            "trying to bootstrap from leader 'u4'",
            [typeof(DisableWatchdog), typeof(CloneFrom), typeof(TouchMember)]),
        ["leader whose data dir vanished releases the lock"] = new(
            Observe("u4", ClusterWithLeader("u4", "u5"), EmptyDataDir()),
            "released leader key voluntarily as data dir empty and currently leader",
            [typeof(DisableWatchdog), typeof(ReleaseLock), typeof(TouchMember)]),
        ["data from another cluster stops the agent"] = new(
            Observe("u5", ClusterWithLeader("u4", "u5"), PostgresRunningAsReplica() with { SystemIdentifier = "7000000000000000001" }),
            "system ID mismatch, node u5 belongs to a different cluster: 7212345678901234567 != 7000000000000000001",
            [typeof(Exit)]),
        ["bootstrap in progress: the lock holder keeps renewing"] = new(
            Observe("u4", ClusterWithLeader("u4"), PostgresRunningAsPrimary()) with { LongActionInProgress = LongActionKind.Bootstrap },
            "updated leader lock during bootstrap",
            [typeof(UpdateLock), typeof(KeepaliveWatchdog), typeof(TouchMember)]),
        ["clone in progress on a replica"] = new(
            Observe("u5", ClusterWithLeader("u4"), EmptyDataDir()) with { LongActionInProgress = LongActionKind.Clone },
            "clone in progress",
            [typeof(TouchMember)]),

        // recover (postgres not running)
        ["stopped replica starts following the leader"] = new(
            Observe("u5", ClusterWithLeader("u4", "u5"), PostgresStopped()),
            "starting as a secondary",
            [typeof(DisableWatchdog), typeof(StartAsReplica), typeof(TouchMember)]),
        ["crashed primary with the lock restarts as primary"] = new(
            Observe("u4", ClusterWithLeader("u4", "u5"), PostgresStopped("in production")),
            "starting as primary because i had the session lock",
            [typeof(DisableWatchdog), typeof(UpdateLock), typeof(ActivateWatchdog), typeof(StartAsPrimary), typeof(TouchMember)]),
        ["stopped standby with the lock starts read-only"] = new(
            Observe("u4", ClusterWithLeader("u4", "u5"), PostgresStopped()),
            "starting as readonly because i had the session lock",
            [typeof(DisableWatchdog), typeof(UpdateLock), typeof(StartAsReplica), typeof(TouchMember)]),

        // ha.py: pause
        ["paused: stopped postgres is left alone"] = new(
            Observe("u5", ClusterWithLeader("u4", "u5"), PostgresStopped()) with { Dynamic = Paused },
            "postgres is not running",
            [typeof(DisableWatchdog), typeof(TouchMember)]),
        ["paused: primary without the lock keeps running"] = new(
            Observe("u5", ClusterWithLeader("u4", "u5"), PostgresRunningAsPrimary()) with { Dynamic = Paused },
            "continue to run as primary without lock",
            [typeof(DisableWatchdog), typeof(TouchMember)]),
        ["paused: replica in an unlocked cluster does not race"] = new(
            Observe("u5", UnlockedCluster("u5"), PostgresRunningAsReplica(following: null)) with { Dynamic = Paused },
            "no action. I am (u5)",
            [typeof(DisableWatchdog), typeof(TouchMember)]),
        ["paused: leader keeps renewing without kicking the watchdog"] = new(
            Observe("u4", ClusterWithLeader("u4", "u5"), PostgresRunningAsPrimary()) with { Dynamic = Paused },
            "no action. I am (u4), the leader with the lock",
            [typeof(DisableWatchdog), typeof(UpdateLock), typeof(WriteStatus), typeof(SyncSlots), typeof(TouchMember)]),
        ["paused: stale lock does not demote"] = new(
            Observe("u4", ClusterWithLeader("u4", "u5"), PostgresRunningAsPrimary()) with { Dynamic = Paused, LockTimeLeft = TimeSpan.FromSeconds(-10) },
            "no action. I am (u4), the leader with the lock",
            [typeof(DisableWatchdog), typeof(UpdateLock), typeof(WriteStatus), typeof(SyncSlots), typeof(TouchMember)]),
    };

    public static TheoryData<string> Names() => [.. Rows.Keys];

    [Theory]
    [MemberData(nameof(Names))]
    public void Decides(string scenario) => Rows[scenario].AssertDecided();

    [Fact]
    public void Table_has_at_least_thirty_rows() => Assert.True(Rows.Count >= 30);

    [Fact]
    public void Leader_that_fails_to_renew_demotes_without_releasing()
    {
        var decision = HaDecider.Decide(Observe("u4", ClusterWithLeader("u4", "u5"), PostgresRunningAsPrimary()));

        var otherwise = decision.Find<UpdateLock>()!.Otherwise;
        Assert.Equal("demoted self because failed to update leader lock in DCS", otherwise.Reason);
        Assert.Equal(DemoteMode.ImmediateNoLock, otherwise.Find<Demote>()!.Mode);
        Assert.False(otherwise.Has<ReleaseLock>());
    }

    [Fact]
    public void Replica_that_loses_the_race_follows_the_new_leader_next()
    {
        var decision = HaDecider.Decide(Observe("u5", UnlockedCluster("u5"), PostgresRunningAsReplica()));

        var otherwise = decision.Find<AcquireLock>()!.Otherwise;
        Assert.Equal("following new leader after trying and failing to obtain lock", otherwise.Reason);
        Assert.False(otherwise.Has<Promote>());
    }

    [Fact]
    public void Dcs_loss_demote_keeps_the_key_and_follows_nobody()
    {
        var decision = HaDecider.Decide(Observe("u4", null, PostgresRunningAsPrimary()));

        var demote = decision.Find<Demote>()!;
        Assert.Equal(DemoteMode.Offline, demote.Mode);
        Assert.Null(demote.FollowAfter);
        Assert.False(decision.Has<ReleaseLock>());
    }

    [Fact]
    public void Replica_is_cloned_from_the_leader_conn_url()
    {
        var decision = HaDecider.Decide(Observe("u5", ClusterWithLeader("u4"), EmptyDataDir()));

        Assert.Equal(new UpstreamTarget("u4", "postgres://127.0.0.4:5432/postgres"), decision.Find<CloneFrom>()!.Upstream);
    }

    [Fact]
    public void Leader_keeps_one_slot_per_other_member()
    {
        var decision = HaDecider.Decide(Observe("u4", ClusterWithLeader("u4", "u5", "u6-b"), PostgresRunningAsPrimary()));

        Assert.Equal(["u5", "u6_b"], decision.Find<SyncSlots>()!.Slots.Order());
    }

    [Fact]
    public void Lease_deadlines_leave_the_fence_and_the_demotion_their_margins_before_expiry()
    {
        Assert.Equal(TimeSpan.FromSeconds(29), LeaseClock.FenceAfter(30));
        Assert.Equal(TimeSpan.FromSeconds(28), LeaseClock.DemoteAfter(30));
        Assert.Equal(TimeSpan.FromSeconds(9), LeaseClock.FenceAfter(10));
        Assert.Equal(TimeSpan.FromSeconds(8), LeaseClock.DemoteAfter(10));
    }
}
