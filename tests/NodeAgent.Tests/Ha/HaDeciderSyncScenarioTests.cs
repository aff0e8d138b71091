using NodeAgent.Cluster;
using NodeAgent.Configuration;
using NodeAgent.Ha;
using NodeAgent.Postgres;
using static NodeAgent.Ha.HaStep;
using static NodeAgent.Tests.Ha.Given;

namespace NodeAgent.Tests.Ha;

/// <summary>
/// Synchronous mode in the decision (ha.py:process_sync_replication, is_healthiest_node, enforce_primary_role,
/// process_manual_failover_from_leader): the order of the sync key and synchronous_standby_names, and who may take over.
/// </summary>
public sealed class HaDeciderSyncScenarioTests
{
    private static readonly DynamicConfig Sync = new() { SynchronousMode = true };
    private static readonly DynamicConfig Strict = new() { SynchronousMode = true, SynchronousModeStrict = true };

    private static ReplicationConnection Row(string name, string state = "async", ulong lsn = LeaderLsn) =>
        new("replicator", name, "127.0.0.9", "streaming", state, state == "sync" ? 1 : 0) { Pid = 100 + name[^1], FlushLsn = new Lsn(lsn), WriteLsn = new Lsn(lsn), ReplayLsn = new Lsn(lsn) };

    private static PostgresObservation Primary(string ssn, params ReplicationConnection[] rows) =>
        PostgresRunningAsPrimary() with { Primary = new PrimaryReplication(ssn, "on", new Lsn(LeaderLsn), rows) };

    private static ClusterView WithSync(ClusterView cluster, string? leader, params string[] standbys) =>
        cluster with { Sync = leader is null ? SyncState.Empty with { ModRevision = 7 } : new SyncState(leader, standbys, 7) };

    private static Observation Leader(PostgresObservation pg, ClusterView cluster, DynamicConfig? dynamic = null, params string[] ready) =>
        Observe("u4", cluster, pg) with { Dynamic = dynamic ?? Sync, SyncReady = ready.ToHashSet(StringComparer.OrdinalIgnoreCase) };

    private static IReadOnlyList<HaStep> SyncSteps(HaDecision d) =>
        [.. d.Steps.Where(s => s is WriteSyncState or SetSynchronousStandbyNames or DeleteSyncState).Select(s => s is SetSynchronousStandbyNames set ? set with { Reload = false } : s)];

    [Fact]
    public void A_value_postgres_does_not_run_is_written_and_reloaded_again()
    {
        var running = HaDecider.Decide(Leader(Primary("u5", Row("u5", "sync")), WithSync(ClusterWithLeader("u4", "u5"), "u4", "u5"), Sync, "u5"));
        var lost = HaDecider.Decide(Leader(Primary("", Row("u5", "async")), WithSync(ClusterWithLeader("u4", "u5"), "u4", "u5")));

        Assert.Equal(new SetSynchronousStandbyNames("u5", Reload: false), running.Find<SetSynchronousStandbyNames>());
        Assert.Equal(new SetSynchronousStandbyNames("u5", Reload: true), lost.Find<SetSynchronousStandbyNames>());
    }

    [Fact]
    public void A_standby_still_catching_up_is_not_chosen()
    {
        var catchingUp = Row("u5") with { State = "catchup" };
        var d = HaDecider.Decide(Leader(Primary("u5", catchingUp), WithSync(ClusterWithLeader("u4", "u5"), "u4", "u5")));

        var steps = SyncSteps(d);
        Assert.Empty(Assert.IsType<WriteSyncState>(steps[0]).Standbys);
        Assert.Equal(new SetSynchronousStandbyNames(null), steps[1]);
    }

    [Fact]
    public void The_former_leader_races_when_only_an_asynchronous_standby_is_left_after_a_switchover()
    {
        // u4 handed over to u5, which died; u6 is asynchronous and may not take over, so u4 must.
        var cluster = WithSync(UnlockedCluster("u4", "u6"), "u4", "u5") with { Failover = new FailoverRequest("u4", "u5", null, 3) };
        var d = HaDecider.Decide(Observe("u4", cluster, PostgresRunningAsReplica()) with { Dynamic = Sync, Peers = [PeerReplica("u6", LeaderLsn)] });

        Assert.True(d.Has<AcquireLock>(), d.Reason);
    }

    [Fact]
    public void A_new_primary_names_a_standby_in_postgres_before_the_key()
    {
        var d = HaDecider.Decide(Leader(Primary("", Row("u5"), Row("u6", lsn: LeaderLsn - 10)), WithSync(ClusterWithLeader("u4", "u5", "u6"), "u4")));

        Assert.Equal([new SetSynchronousStandbyNames("u5")], SyncSteps(d));
    }

    [Fact]
    public void A_standby_verified_under_the_new_value_goes_into_the_key()
    {
        var d = HaDecider.Decide(Leader(Primary("u5", Row("u5", "sync"), Row("u6")), WithSync(ClusterWithLeader("u4", "u5", "u6"), "u4"), Sync, "u5"));

        var steps = SyncSteps(d);
        Assert.Equal(new SetSynchronousStandbyNames("u5"), steps[0]);
        var write = Assert.IsType<WriteSyncState>(steps[1]);
        Assert.Equal(["u5"], write.Standbys);
        Assert.Equal(7, write.ModRevision);
    }

    [Fact]
    public void A_standby_reported_sync_but_not_verified_stays_out_of_the_key()
    {
        var d = HaDecider.Decide(Leader(Primary("u5", Row("u5", "sync"), Row("u6")), WithSync(ClusterWithLeader("u4", "u5", "u6"), "u4")));

        Assert.Equal([new SetSynchronousStandbyNames("u5")], SyncSteps(d));
    }

    [Fact]
    public void A_standby_that_left_leaves_the_key_before_postgres_stops_waiting_for_it()
    {
        // u5 is gone from pg_stat_replication; u6 takes its place.
        var d = HaDecider.Decide(Leader(Primary("u5", Row("u6")), WithSync(ClusterWithLeader("u4", "u5", "u6"), "u4", "u5")));

        var steps = SyncSteps(d);
        var narrow = Assert.IsType<WriteSyncState>(steps[0]);
        Assert.Empty(narrow.Standbys);
        Assert.Equal(new SetSynchronousStandbyNames("u6"), steps[1]);
        Assert.Equal(2, steps.Count);
        var all = d.Steps.ToList();
        Assert.True(all.FindIndex(s => s is WriteSyncState) < all.FindIndex(s => s is SetSynchronousStandbyNames));
    }

    [Fact]
    public void Strict_mode_with_no_standby_makes_every_commit_wait()
    {
        var d = HaDecider.Decide(Leader(Primary("u5"), WithSync(ClusterWithLeader("u4", "u5", "u6"), "u4", "u5"), Strict));

        var steps = SyncSteps(d);
        Assert.Empty(Assert.IsType<WriteSyncState>(steps[0]).Standbys);
        Assert.Equal(new SetSynchronousStandbyNames("*"), steps[1]);
    }

    [Fact]
    public void Non_strict_mode_with_no_standby_stops_waiting_after_the_key_is_cleared()
    {
        var d = HaDecider.Decide(Leader(Primary("u5"), WithSync(ClusterWithLeader("u4", "u5", "u6"), "u4", "u5")));

        var steps = SyncSteps(d);
        Assert.Empty(Assert.IsType<WriteSyncState>(steps[0]).Standbys);
        Assert.Equal(new SetSynchronousStandbyNames(null), steps[1]);
    }

    [Fact]
    public void Nosync_and_stopped_members_are_never_chosen_and_nofailover_ones_come_last()
    {
        var cluster = ClusterWithLeader("u4") with
        {
            Members =
            [
                Member("u4", MemberRole.Primary),
                Member("u5", tags: new Dictionary<string, object?> { ["nosync"] = true }),
                Member("u6", tags: new Dictionary<string, object?> { ["nofailover"] = true }),
                Member("u7"),
                Member("u8") with { Data = Member("u8").Data with { State = "stopped" } },
            ],
        };
        var d = HaDecider.Decide(Leader(Primary("", Row("u5", lsn: LeaderLsn), Row("u6", lsn: LeaderLsn), Row("u7", lsn: LeaderLsn - 100), Row("u8")),
            WithSync(cluster, "u4"), Sync with { SynchronousNodeCount = 2 }));

        Assert.Equal([new SetSynchronousStandbyNames("2 (u7,u6)")], SyncSteps(d));
    }

    [Fact]
    public void Maximum_lag_on_syncnode_swaps_a_lagging_synchronous_standby()
    {
        var d = HaDecider.Decide(Leader(Primary("u5", Row("u5", "sync", LeaderLsn - 5_000_000), Row("u6")),
            WithSync(ClusterWithLeader("u4", "u5", "u6"), "u4", "u5"), Sync with { MaximumLagOnSyncnode = 1_000_000 }, "u5"));

        var steps = SyncSteps(d);
        Assert.Empty(Assert.IsType<WriteSyncState>(steps[0]).Standbys);
        Assert.Equal(new SetSynchronousStandbyNames("u6"), steps[1]);
    }

    [Fact]
    public void Unchanged_standbys_still_set_the_value_so_a_lost_one_comes_back()
    {
        var d = HaDecider.Decide(Leader(Primary("", Row("u5", "async")), WithSync(ClusterWithLeader("u4", "u5", "u6"), "u4", "u5")));

        Assert.Equal([new SetSynchronousStandbyNames("u5")], SyncSteps(d));
    }

    [Fact]
    public void Mode_turned_off_deletes_the_key_and_drops_the_agents_value()
    {
        var d = HaDecider.Decide(Leader(Primary("u5", Row("u5", "sync")), WithSync(ClusterWithLeader("u4", "u5"), "u4", "u5"), new DynamicConfig()));

        Assert.Equal([new DeleteSyncState(7), new SetSynchronousStandbyNames(null)], SyncSteps(d));
        Assert.Empty(SyncSteps(HaDecider.Decide(Leader(Primary(""), WithSync(ClusterWithLeader("u4", "u5"), null), new DynamicConfig()))));
    }

    [Fact]
    public void Promotion_writes_the_key_with_no_standby_first_and_is_postponed_when_that_fails()
    {
        var o = Observe("u5", WithSync(UnlockedCluster("u4", "u5", "u6"), "u4", "u5"), PostgresRunningAsReplica()) with { Dynamic = Strict, Peers = [PeerReplica("u6", LeaderLsn)] };
        var d = HaDecider.Decide(o);

        var steps = d.Steps.ToList();
        var write = steps.OfType<WriteSyncState>().Single();
        Assert.Empty(write.Standbys);
        Assert.Equal("Postponing promotion because synchronous replication state was updated by somebody else", write.Otherwise.Reason);
        Assert.Equal(new SetSynchronousStandbyNames("*"), steps.OfType<SetSynchronousStandbyNames>().Single());
        Assert.True(steps.IndexOf(write) < steps.FindIndex(s => s is Promote));
        Assert.True(steps.FindIndex(s => s is AcquireLock) < steps.IndexOf(write));
    }

    [Fact]
    public void Only_a_member_the_sync_key_names_races_for_the_lock()
    {
        var cluster = WithSync(UnlockedCluster("u5", "u6"), "u4", "u5");
        var asyncOne = HaDecider.Decide(Observe("u6", cluster, PostgresRunningAsReplica()) with { Dynamic = Sync, Peers = [PeerReplica("u5", LeaderLsn - 100)] });
        var syncOne = HaDecider.Decide(Observe("u5", cluster, PostgresRunningAsReplica(lsn: LeaderLsn - 100)) with { Dynamic = Sync, Peers = [PeerReplica("u6", LeaderLsn)] });

        Assert.False(asyncOne.Has<AcquireLock>());
        Assert.Contains("not a synchronous standby", asyncOne.Reason, StringComparison.Ordinal);
        // u6 is ahead of u5 but asynchronous: what it has beyond u5 was never acknowledged.
        Assert.True(syncOne.Has<AcquireLock>());
    }

    [Fact]
    public void Without_a_sync_key_everyone_races_as_in_asynchronous_mode()
    {
        var d = HaDecider.Decide(Observe("u6", WithSync(UnlockedCluster("u5", "u6"), null), PostgresRunningAsReplica()) with { Dynamic = Sync, Peers = [PeerReplica("u5", LeaderLsn - 100)] });

        Assert.True(d.Has<AcquireLock>());
    }

    [Fact]
    public void A_former_leader_ahead_of_the_synchronous_standby_does_not_stop_it()
    {
        var d = HaDecider.Decide(Observe("u5", WithSync(UnlockedCluster("u4", "u5"), "u4", "u5"), PostgresRunningAsReplica(lsn: LeaderLsn - 100)) with
        {
            Dynamic = Sync,
            Peers = [PeerReplica("u4", LeaderLsn)],
        });

        Assert.True(d.Has<AcquireLock>());
    }

    [Fact]
    public void A_switchover_to_an_asynchronous_standby_is_refused_by_the_leader()
    {
        var cluster = WithSync(ClusterWithLeader("u4", "u5", "u6"), "u4", "u5") with { Failover = new FailoverRequest("u4", "u6", null, 3) };
        var d = HaDecider.Decide(Leader(Primary("u5", Row("u5", "sync"), Row("u6")), cluster, Sync, "u5"));

        Assert.False(d.Has<Demote>());
        Assert.Contains(d.Steps, s => s is ClearFailover);
        Assert.StartsWith("manual failover: candidate u6 does not match with sync_standbys u5", d.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_switchover_without_a_candidate_goes_to_the_synchronous_standby()
    {
        var cluster = WithSync(ClusterWithLeader("u4", "u5", "u6"), "u4", "u5") with { Failover = new FailoverRequest("u4", null, null, 3) };
        var d = HaDecider.Decide(Leader(Primary("u5", Row("u5", "sync", LeaderLsn - 100), Row("u6")), cluster, Sync, "u5"));

        Assert.Equal("u5", d.Find<Demote>()!.FollowAfter!.MemberName);
    }

    [Fact]
    public void An_asynchronous_standby_does_not_race_in_a_switchover()
    {
        var cluster = WithSync(UnlockedCluster("u4", "u5", "u6"), "u4", "u5") with { Failover = new FailoverRequest("u4", null, null, 3) };
        var d = HaDecider.Decide(Observe("u6", cluster, PostgresRunningAsReplica()) with { Dynamic = Sync });

        Assert.False(d.Has<AcquireLock>());
    }

    [Theory]
    [InlineData(false, 1, "; synchronous_node_count is 1 but 0 standby can be synchronous now: commits do not wait for any")]
    [InlineData(true, 1, "; synchronous_node_count is 1 but 0 standby can be synchronous now: every commit waits for one (synchronous_mode_strict)")]
    [InlineData(false, 3, "; synchronous_node_count is 3 but 1 standby can be synchronous now: commits wait for those")]
    public void Too_few_standbys_for_synchronous_node_count_are_said_in_the_reason(bool strict, int count, string said)
    {
        var cluster = ClusterWithLeader("u4") with
        {
            Members = [Member("u4", MemberRole.Primary), Member("u5", tags: new Dictionary<string, object?> { ["nosync"] = true }), Member("u6")],
        };
        var rows = count > 1 ? new[] { Row("u5"), Row("u6") } : [Row("u5")];
        var d = HaDecider.Decide(Leader(Primary("", rows), WithSync(cluster, "u4"), Sync with { SynchronousModeStrict = strict, SynchronousNodeCount = count }));

        Assert.Equal("no action. I am (u4), the leader with the lock" + said, d.Reason);
    }

    [Fact]
    public void Enough_standbys_add_nothing_to_the_reason() =>
        Assert.Equal("no action. I am (u4), the leader with the lock",
            HaDecider.Decide(Leader(Primary("u5", Row("u5", "sync")), WithSync(ClusterWithLeader("u4", "u5"), "u4", "u5"), Sync, "u5")).Reason);
}
