using NodeAgent.Cluster;
using NodeAgent.Configuration;
using NodeAgent.Ha;
using NodeAgent.Postgres;
using static NodeAgent.Ha.HaStep;
using static NodeAgent.Tests.Ha.Given;

namespace NodeAgent.Tests.Ha;

/// <summary>
/// failsafe_mode as a table (ha.py:_handle_dcs_error, check_failsafe_topology, is_healthiest_node, load_cluster_from_dcs):
/// a lock holder without etcd asks every member; a member that accepted follows and does not race while it is fresh.
/// </summary>
public sealed class HaDeciderFailsafeScenarioTests
{
    private static readonly DynamicConfig On = new() { FailsafeMode = true };

    private static readonly Dictionary<string, string> Topology = new(StringComparer.Ordinal)
    {
        ["u4"] = "http://127.0.0.4:8008/patroni",
        ["u5"] = "http://127.0.0.5:8008/patroni",
        ["u6"] = "http://127.0.0.6:8008/patroni",
    };

    private static Observation LeaderWithoutEtcd(DynamicConfig dynamic, double secondsLeft = 5) =>
        Observe("u4", null, PostgresRunningAsPrimary()) with
        {
            Dynamic = dynamic,
            BelievesHoldsLock = true,
            LockTimeLeft = TimeSpan.FromSeconds(secondsLeft),
            FailsafeTopology = Topology,
        };

    private static FailsafeAcceptanceView Accepted(double ageSeconds) =>
        new(new FailsafeLeader("u4", "postgres://127.0.0.4:5432/postgres", "http://127.0.0.4:8008/patroni"), TimeSpan.FromSeconds(ageSeconds), TimeSpan.FromSeconds(30));

    private static Observation ReplicaOfUnlockedCluster(DynamicConfig dynamic, FailsafeAcceptanceView? accepted) =>
        Observe("u5", UnlockedCluster("u5", "u6") with { Failsafe = Topology }, PostgresRunningAsReplica("u4")) with
        {
            Dynamic = dynamic,
            FailsafeAccepted = accepted,
            Peers = [PeerReplica("u6", LeaderLsn - 100)],
        };

    private static readonly Dictionary<string, DecisionRow> Rows = new()
    {
        ["no etcd: the leader asks every member and keeps its primary if all accept"] = new(
            LeaderWithoutEtcd(On),
            "continue to run as a leader because failsafe mode is enabled and all members are accessible",
            [typeof(ConfirmFailsafe), typeof(KeepaliveWatchdog)]),
        ["no etcd, failsafe_mode off: today's behaviour, the primary is kept only while the lease runs"] = new(
            LeaderWithoutEtcd(new DynamicConfig()),
            "DCS is not accessible; keeping the primary while the leader lock is valid for 5 s more",
            [typeof(CheckpointAhead)]),
        ["no etcd, leader not in the failsafe topology: nothing to confirm, today's behaviour"] = new(
            LeaderWithoutEtcd(On) with { FailsafeTopology = new Dictionary<string, string> { ["u5"] = "http://127.0.0.5:8008/patroni" } },
            "DCS is not accessible; keeping the primary while the leader lock is valid for 5 s more (failsafe mode: u4 is not in the failsafe topology)",
            [typeof(CheckpointAhead)]),
        ["no etcd, past the deadline: the leader stops writes, failsafe or not"] = new(
            LeaderWithoutEtcd(On, secondsLeft: -0.1),
            "stopped accepting writes: the leader lock could not be renewed before its lease runs out",
            [typeof(Demote)]),
        ["no etcd, failsafe on, paused: no round, the primary is left alone"] = new(
            LeaderWithoutEtcd(On with { Pause = true }),
            "DCS is not accessible",
            []),
        ["no etcd, a replica keeps following"] = new(
            Observe("u5", null, PostgresRunningAsReplica("u4")) with { Dynamic = On, FailsafeAccepted = Accepted(3) },
            "DCS is not accessible",
            []),
        ["unlocked cluster, replica with a fresh acceptance follows the failsafe leader and does not race"] = new(
            ReplicaOfUnlockedCluster(On, Accepted(3)),
            "no action. I am (u5), a secondary, and following a leader (u4)",
            [typeof(SyncSlots), typeof(TouchMember)]),
        ["unlocked cluster, replica with a stale acceptance races"] = new(
            ReplicaOfUnlockedCluster(On, Accepted(30)),
            "promoted self to leader by acquiring session lock",
            [typeof(AcquireLock), typeof(ActivateWatchdog), typeof(Promote), typeof(TouchMember)]),
        ["unlocked cluster, failsafe_mode off: the replica races as before"] = new(
            ReplicaOfUnlockedCluster(new DynamicConfig(), null),
            "promoted self to leader by acquiring session lock",
            [typeof(AcquireLock), typeof(ActivateWatchdog), typeof(Promote), typeof(TouchMember)]),
        ["unlocked cluster, failsafe_mode turned off after a fresh acceptance: the leader still counts on it, no race"] = new(
            ReplicaOfUnlockedCluster(new DynamicConfig(), Accepted(3)),
            "no action. I am (u5), a secondary, and following a leader (u4)",
            [typeof(SyncSlots), typeof(TouchMember)]),
        ["unlocked cluster, a member whose agent started 5 s ago (an acceptance would have died with the old process) does not race"] = new(
            ReplicaOfUnlockedCluster(On, null) with { SinceAgentStart = TimeSpan.FromSeconds(5) },
            "following a different leader because i am not the healthiest node (started 5 s ago in failsafe mode: a POST /failsafe accepted before the restart may still bind this member)",
            [typeof(SyncSlots), typeof(HaStep.Follow), typeof(TouchMember)]),
        ["unlocked cluster, a member whose agent has run for longer than ttl races"] = new(
            ReplicaOfUnlockedCluster(On, null) with { SinceAgentStart = TimeSpan.FromSeconds(31) },
            "promoted self to leader by acquiring session lock",
            [typeof(AcquireLock), typeof(ActivateWatchdog), typeof(Promote), typeof(TouchMember)]),
        ["unlocked cluster, a member the failsafe topology does not name never races"] = new(
            Observe("u7", UnlockedCluster("u5", "u7") with { Failsafe = Topology }, PostgresRunningAsReplica("u4")) with { Dynamic = On },
            "following a different leader because i am not the healthiest node (u7 is not in the failsafe topology)",
            [typeof(SyncSlots), typeof(HaStep.Follow), typeof(TouchMember)]),
        ["leader with the lock writes the topology after renewing when it changed"] = new(
            Observe("u4", ClusterWithLeader("u4", "u5", "u6"), PostgresRunningAsPrimary()) with { Dynamic = On },
            "no action. I am (u4), the leader with the lock",
            [typeof(UpdateLock), typeof(WriteFailsafe), typeof(KeepaliveWatchdog), typeof(WriteStatus), typeof(SyncSlots), typeof(TouchMember)]),
        ["leader with the lock and an unchanged topology writes nothing more"] = new(
            Observe("u4", ClusterWithLeader("u4", "u5", "u6") with { Failsafe = Topology }, PostgresRunningAsPrimary()) with { Dynamic = On },
            "no action. I am (u4), the leader with the lock",
            [typeof(UpdateLock), typeof(KeepaliveWatchdog), typeof(WriteStatus), typeof(SyncSlots), typeof(TouchMember)]),
    };

    public static TheoryData<string> Scenarios => [.. Rows.Keys];

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void Decides(string scenario) => Rows[scenario].AssertDecided();

    [Fact]
    public void The_round_asks_every_other_member_and_one_refusal_falls_back_to_today()
    {
        var decision = HaDecider.Decide(LeaderWithoutEtcd(On));

        var confirm = decision.Find<ConfirmFailsafe>()!;
        Assert.Equal(["u5", "u6"], confirm.Members.Keys.Order());
        Assert.Equal("http://127.0.0.5:8008/patroni", confirm.Members["u5"]);
        Assert.Equal("failsafe mode: not every member accepted; DCS is not accessible; keeping the primary while the leader lock is valid for 5 s more", confirm.Otherwise.Reason);
        Assert.Equal([typeof(CheckpointAhead)], confirm.Otherwise.Steps.Select(s => s.GetType()));
    }

    [Fact]
    public void A_primary_without_the_lock_is_not_kept_by_failsafe_mode()
    {
        var decision = HaDecider.Decide(LeaderWithoutEtcd(On) with { BelievesHoldsLock = false });

        Assert.Equal("demoted self because DCS is not accessible and I was a leader", decision.Reason);
        Assert.IsType<Demote>(Assert.Single(decision.Steps));
    }

    [Fact]
    public void The_written_topology_names_every_member_and_the_leader()
    {
        var decision = HaDecider.Decide(Observe("u4", ClusterWithLeader("u4", "u5", "u6"), PostgresRunningAsPrimary()) with { Dynamic = On });

        var write = decision.Find<WriteFailsafe>()!;
        Assert.Equal(Topology.OrderBy(m => m.Key), write.Members.OrderBy(m => m.Key));
    }

    [Fact]
    public void A_replica_with_a_fresh_acceptance_follows_the_failsafe_leader_when_it_followed_nobody()
    {
        var decision = HaDecider.Decide(ReplicaOfUnlockedCluster(On, Accepted(3)) with { Postgres = PostgresRunningAsReplica(following: null) });

        Assert.Equal(new UpstreamTarget("u4", "postgres://127.0.0.4:5432/postgres"), decision.Find<HaStep.Follow>()!.Upstream);
        Assert.False(decision.Has<AcquireLock>());
    }
}
