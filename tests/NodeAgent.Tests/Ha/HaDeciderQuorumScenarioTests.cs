using NodeAgent.Cluster;
using NodeAgent.Configuration;
using NodeAgent.Ha;
using NodeAgent.Postgres;
using static NodeAgent.Ha.HaStep;
using static NodeAgent.Tests.Ha.Given;

namespace NodeAgent.Tests.Ha;

/// <summary>
/// Quorum commit in the decision (Patroni 4, ha.py:_process_quorum_replication, _is_healthiest_node,
/// is_failover_possible, _process_quorum_prepromote): the order of synchronous_standby_names and the key, and who may
/// take over. The guarantee tested: a member takes the lock only if the voters it saw not ahead of it (itself included
/// if it is one) reach the key's quorum.
/// </summary>
public sealed class HaDeciderQuorumScenarioTests
{
    private static readonly DynamicConfig Quorum = new() { SynchronousMode = true, QuorumCommit = true };
    private static readonly DynamicConfig Strict = Quorum with { SynchronousModeStrict = true };

    private static ReplicationConnection Row(string name, string state = "quorum", ulong lsn = LeaderLsn) =>
        new("replicator", name, "127.0.0.9", "streaming", state, 1) { Pid = 100 + name[^1], FlushLsn = new Lsn(lsn), WriteLsn = new Lsn(lsn), ReplayLsn = new Lsn(lsn) };

    private static PostgresObservation Primary(string ssn, params ReplicationConnection[] rows) =>
        PostgresRunningAsPrimary() with { Primary = new PrimaryReplication(ssn, "on", new Lsn(LeaderLsn), rows) };

    private static ClusterView WithKey(ClusterView cluster, string? leader, int quorum, params string[] voters) =>
        cluster with { Sync = leader is null ? SyncState.Empty with { ModRevision = 7 } : new SyncState(leader, voters, 7, quorum) };

    private static Observation Leader(PostgresObservation pg, ClusterView cluster, DynamicConfig? dynamic = null, params string[] ready) =>
        Observe("u4", cluster, pg) with { Dynamic = dynamic ?? Quorum, SyncReady = ready.ToHashSet(StringComparer.OrdinalIgnoreCase) };

    private static Observation Racer(string me, ClusterView cluster, ulong lsn, params PeerStatus[] peers) =>
        Observe(me, cluster, PostgresRunningAsReplica(lsn: lsn)) with { Dynamic = Quorum, Peers = peers };

    private static IReadOnlyList<HaStep> SyncSteps(HaDecision d) =>
        [.. d.Steps.Where(s => s is WriteSyncState or SetSynchronousStandbyNames or DeleteSyncState)
            .Select(s => s switch
            {
                SetSynchronousStandbyNames set => set with { Reload = false },
                WriteSyncState w => w with { Otherwise = HaDecision.NoSteps(""), Standbys = [.. w.Standbys] },
                _ => s,
            })];

    private static WriteSyncState Key(int quorum, params string[] voters) => new(voters, 7, HaDecision.NoSteps(""), quorum);

    private static void AssertSteps(IReadOnlyList<HaStep> expected, HaDecision d)
    {
        var actual = SyncSteps(d);
        Assert.True(expected.Count == actual.Count, $"{d.Reason}: expected {expected.Count} steps, got {string.Join(", ", actual)}");
        foreach (var (e, a) in expected.Zip(actual))
        {
            if (e is WriteSyncState ew && a is WriteSyncState aw)
            {
                Assert.Equal((ew.Quorum, ew.ModRevision), (aw.Quorum, aw.ModRevision));
                Assert.Equal(ew.Standbys, aw.Standbys);
            }
            else
            {
                Assert.Equal(e, a);
            }
        }
    }

    public static TheoryData<string, Observation, HaStep[]> LeaderCases() => new()
    {
        {
            "an empty key first names this leader, with quorum 0",
            Leader(Primary(""), WithKey(ClusterWithLeader("u4", "u5"), null, 0)),
            [Key(0)]
        },
        {
            "standbys that join go into synchronous_standby_names first; the key waits until one caught up",
            Leader(Primary("", Row("u5", "async"), Row("u6", "async")), WithKey(ClusterWithLeader("u4", "u5", "u6"), "u4", 0)),
            [new SetSynchronousStandbyNames("ANY 1 (u5,u6)")]
        },
        {
            "once they caught up the key names them as voters with quorum N - numsync",
            Leader(Primary("ANY 1 (u5,u6)", Row("u5"), Row("u6")), WithKey(ClusterWithLeader("u4", "u5", "u6"), "u4", 0), null, "u5", "u6"),
            [Key(1, "u5", "u6")]
        },
        {
            "steady: nothing to do",
            Leader(Primary("ANY 1 (u5,u6)", Row("u5"), Row("u6")), WithKey(ClusterWithLeader("u4", "u5", "u6"), "u4", 1, "u5", "u6"), null, "u5", "u6"),
            []
        },
        {
            "raising synchronous_node_count: synchronous_standby_names first, the lower quorum only next cycle",
            Leader(Primary("ANY 1 (u5,u6)", Row("u5"), Row("u6")), WithKey(ClusterWithLeader("u4", "u5", "u6"), "u4", 1, "u5", "u6"), Quorum with { SynchronousNodeCount = 2 }, "u5", "u6"),
            [new SetSynchronousStandbyNames("ANY 2 (u5,u6)")]
        },
        {
            "the next cycle after raising it lowers the quorum",
            Leader(Primary("ANY 2 (u5,u6)", Row("u5"), Row("u6")), WithKey(ClusterWithLeader("u4", "u5", "u6"), "u4", 1, "u5", "u6"), Quorum with { SynchronousNodeCount = 2 }, "u5", "u6"),
            [Key(0, "u5", "u6")]
        },
        {
            "lowering synchronous_node_count: the key's quorum rises first, then synchronous_standby_names",
            Leader(Primary("ANY 2 (u5,u6)", Row("u5"), Row("u6")), WithKey(ClusterWithLeader("u4", "u5", "u6"), "u4", 0, "u5", "u6"), null, "u5", "u6"),
            [Key(1, "u5", "u6"), new SetSynchronousStandbyNames("ANY 1 (u5,u6)")]
        },
        {
            "a standby that left leaves synchronous_standby_names; the key keeps it until next cycle",
            Leader(Primary("ANY 1 (u5,u6)", Row("u5")), WithKey(ClusterWithLeader("u4", "u5", "u6"), "u4", 1, "u5", "u6"), null, "u5"),
            [new SetSynchronousStandbyNames("ANY 1 (u5)")]
        },
        {
            "then the key drops it and lowers the quorum",
            Leader(Primary("ANY 1 (u5)", Row("u5")), WithKey(ClusterWithLeader("u4", "u5", "u6"), "u4", 1, "u5", "u6"), null, "u5"),
            [Key(0, "u5")]
        },
        {
            "a synchronous mode value (FIRST) becomes ANY",
            Leader(Primary("u5", Row("u5")), WithKey(ClusterWithLeader("u4", "u5"), "u4", 0, "u5"), null, "u5"),
            [new SetSynchronousStandbyNames("ANY 1 (u5)")]
        },
        {
            "strict mode with no standby keeps commits waiting for the voters",
            Leader(Primary("ANY 1 (u5,u6)"), WithKey(ClusterWithLeader("u4", "u5", "u6"), "u4", 1, "u5", "u6"), Strict),
            [new SetSynchronousStandbyNames("ANY 1 (u5,u6)")]
        },
        {
            "strict mode with no standby and no voters makes every commit wait for any",
            Leader(Primary(""), WithKey(ClusterWithLeader("u4", "u5"), "u4", 0), Strict),
            [new SetSynchronousStandbyNames("*")]
        },
        {
            "non-strict with every standby gone: the key empties first, then synchronous_standby_names",
            Leader(Primary("ANY 1 (u5)"), WithKey(ClusterWithLeader("u4", "u5"), "u4", 0, "u5")),
            [Key(0), new SetSynchronousStandbyNames(null)]
        },
        {
            "non-strict with the only named standby gone before it caught up: commits stop waiting",
            Leader(Primary("ANY 1 (u5)"), WithKey(ClusterWithLeader("u4", "u5"), "u4", 0)),
            [new SetSynchronousStandbyNames(null)]
        },
        {
            "a new leader after a failover names itself with the old leader as a voter, then stops waiting for the dead one",
            Observe("u6", WithKey(ClusterWithLeader("u6", "u4", "u5"), "u4", 1, "u5", "u6"), Primary("ANY 1 (u4,u5)", Row("u5"))) with { Dynamic = Quorum },
            [Key(1, "u4", "u5"), new SetSynchronousStandbyNames("ANY 1 (u5)")]
        },
    };

    [Theory]
    [MemberData(nameof(LeaderCases))]
    public void The_leader_moves_synchronous_standby_names_and_the_key_in_quorum_order(string name, Observation o, HaStep[] expected)
    {
        ArgumentNullException.ThrowIfNull(o);
        var d = HaDecider.Decide(o);

        Assert.True(d.Reason.Length > 0, name);
        AssertSteps(expected, d);
    }

    [Fact]
    public void A_key_write_that_loses_the_race_ends_the_plan_with_the_reason()
    {
        var d = HaDecider.Decide(Leader(Primary("ANY 1 (u5,u6)", Row("u5"), Row("u6")), WithKey(ClusterWithLeader("u4", "u5", "u6"), "u4", 0), null, "u5", "u6"));

        Assert.EndsWith("synchronous replication key updated by someone else", d.Find<WriteSyncState>()!.Otherwise.Reason, StringComparison.Ordinal);
    }

    public static TheoryData<string, Observation, bool> RaceCases() => new()
    {
        // The key: leader u4 (dead), voters u5 u6, quorum 1. Commits waited for ANY 1 (u5,u6).
        { "a voter that sees the other voter not ahead has the quorum", Racer("u5", WithKey(UnlockedCluster("u5", "u6"), "u4", 1, "u5", "u6"), LeaderLsn, PeerReplica("u6", LeaderLsn - 10)), true },
        { "a voter that sees no other voter has only its own vote", Racer("u5", WithKey(UnlockedCluster("u5", "u6"), "u4", 1, "u5", "u6"), LeaderLsn, PeerStatus.Unreachable("u6")), false },
        { "a voter with the other voter ahead does not race", Racer("u5", WithKey(UnlockedCluster("u5", "u6"), "u4", 1, "u5", "u6"), LeaderLsn - 10, PeerReplica("u6", LeaderLsn)), false },
        { "a voter of a nofailover voter gets no vote from it", Racer("u5", WithKey(UnlockedCluster("u5", "u6"), "u4", 1, "u5", "u6"), LeaderLsn, PeerReplica("u6", LeaderLsn) with { NoFailover = true }), false },
        { "a non-voter needs quorum + 1 voters: both", Racer("u7", WithKey(UnlockedCluster("u5", "u6", "u7"), "u4", 1, "u5", "u6"), LeaderLsn, PeerReplica("u5", LeaderLsn), PeerReplica("u6", LeaderLsn)), true },
        { "a non-voter seeing one voter is not enough", Racer("u7", WithKey(UnlockedCluster("u5", "u6", "u7"), "u4", 1, "u5", "u6"), LeaderLsn, PeerReplica("u5", LeaderLsn), PeerStatus.Unreachable("u6")), false },
        { "a non-voter's peers outside the voting set do not vote", Racer("u7", WithKey(UnlockedCluster("u5", "u6", "u7", "u8"), "u4", 1, "u5", "u6"), LeaderLsn, PeerReplica("u5", LeaderLsn), PeerReplica("u8", LeaderLsn), PeerStatus.Unreachable("u6")), false },
        { "quorum 0 with one voter: the voter alone has every commit", Racer("u5", WithKey(UnlockedCluster("u5", "u6"), "u4", 0, "u5"), LeaderLsn, PeerStatus.Unreachable("u6")), true },
        { "quorum 0 and no voters: nobody but the old leader is known to have the commits", Racer("u5", WithKey(UnlockedCluster("u4", "u5"), "u4", 0), LeaderLsn, PeerStatus.Unreachable("u4")), false },
        { "the old leader the key names needs no votes", Racer("u4", WithKey(UnlockedCluster("u4", "u5", "u6"), "u4", 1, "u5", "u6"), LeaderLsn, PeerStatus.Unreachable("u5"), PeerStatus.Unreachable("u6")), true },
        { "quorum 2 of three voters: two others must be seen", Racer("u5", WithKey(UnlockedCluster("u5", "u6", "u7"), "u4", 2, "u5", "u6", "u7"), LeaderLsn, PeerReplica("u6", LeaderLsn), PeerReplica("u7", LeaderLsn)), true },
        { "quorum 2 of three voters: one other is not enough", Racer("u5", WithKey(UnlockedCluster("u5", "u6", "u7"), "u4", 2, "u5", "u6", "u7"), LeaderLsn, PeerReplica("u6", LeaderLsn), PeerStatus.Unreachable("u7")), false },
        { "without a key everyone races as in asynchronous mode", Racer("u5", WithKey(UnlockedCluster("u5", "u6"), null, 0), LeaderLsn, PeerStatus.Unreachable("u6")), true },
    };

    [Theory]
    [MemberData(nameof(RaceCases))]
    public void A_member_takes_the_lock_only_with_the_quorums_votes(string name, Observation o, bool races)
    {
        ArgumentNullException.ThrowIfNull(o);
        var d = HaDecider.Decide(o);

        Assert.True(races == d.Has<AcquireLock>(), $"{name}: {d.Reason}");
    }

    [Fact]
    public void Too_few_votes_are_said_in_the_reason()
    {
        var d = HaDecider.Decide(Racer("u5", WithKey(UnlockedCluster("u5", "u6"), "u4", 1, "u5", "u6"), LeaderLsn, PeerStatus.Unreachable("u6")));

        Assert.Contains("quorum requirement 1 not reached: 0 vote(s) from () of voters (u5,u6)", d.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Promotion_makes_commits_wait_for_the_quorum_of_the_remaining_voters_and_the_old_leader_without_touching_the_key()
    {
        var d = HaDecider.Decide(Racer("u6", WithKey(UnlockedCluster("u5", "u6"), "u4", 1, "u5", "u6"), LeaderLsn, PeerReplica("u5", LeaderLsn)));

        Assert.True(d.Has<AcquireLock>(), d.Reason);
        Assert.Equal([new SetSynchronousStandbyNames("ANY 1 (u4,u5)")], SyncSteps(d));
        var steps = d.Steps.ToList();
        Assert.True(steps.FindIndex(s => s is SetSynchronousStandbyNames) < steps.FindIndex(s => s is Promote));
    }

    [Fact]
    public void A_non_voter_promoted_waits_for_one_more()
    {
        var d = HaDecider.Decide(Racer("u7", WithKey(UnlockedCluster("u5", "u6", "u7"), "u4", 1, "u5", "u6"), LeaderLsn, PeerReplica("u5", LeaderLsn), PeerReplica("u6", LeaderLsn)));

        Assert.Equal([new SetSynchronousStandbyNames("ANY 2 (u4,u5,u6)")], SyncSteps(d));
    }

    [Fact]
    public void A_switchover_without_a_candidate_needs_enough_healthy_voters_for_the_quorum()
    {
        var failover = new FailoverRequest("u4", null, null, 3);
        var enough = WithKey(ClusterWithLeader("u4", "u5", "u6"), "u4", 1, "u5", "u6") with { Failover = failover };
        var tooFew = WithKey(ClusterWithLeader("u4", "u5", "u6"), "u4", 2, "u5", "u6", "u7") with { Failover = failover };
        var ready = new[] { "u5", "u6" };

        var goes = HaDecider.Decide(Leader(Primary("ANY 1 (u5,u6)", Row("u5"), Row("u6")), enough, null, ready));
        var refused = HaDecider.Decide(Leader(Primary("ANY 1 (u5,u6,u7)", Row("u5"), Row("u6")), tooFew, null, ready));

        Assert.True(goes.Has<Demote>(), goes.Reason);
        Assert.False(refused.Has<Demote>());
        Assert.StartsWith("manual failover: Quorum requirement 2 can not be reached", refused.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_switchover_goes_only_to_a_voter()
    {
        var cluster = WithKey(ClusterWithLeader("u4", "u5", "u6"), "u4", 0, "u5") with { Failover = new FailoverRequest("u4", "u6", null, 3) };
        var d = HaDecider.Decide(Leader(Primary("ANY 1 (u5)", Row("u5"), Row("u6")), cluster, null, "u5"));

        Assert.False(d.Has<Demote>());
        Assert.StartsWith("manual failover: candidate u6 does not match with sync_standbys u5", d.Reason, StringComparison.Ordinal);
    }
}
