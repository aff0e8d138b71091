using NodeAgent.Configuration;
using NodeAgent.Ha;
using static NodeAgent.Ha.HaStep;
using static NodeAgent.Tests.Ha.Given;

namespace NodeAgent.Tests.Ha;

/// <summary>
/// POST /restart, POST /reinitialize and the scheduled restart as inputs to the decision (api.py:do_POST_restart,
/// do_POST_reinitialize; ha.py:restart, reinitialize, evaluate_scheduled_restart).
/// </summary>
public sealed class HaDeciderRequestScenarioTests
{
    private static readonly DateTimeOffset Now = new(2030, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly RestartRequest Restart = new(1, RestartFilters.None, null);
    private static readonly ReinitializeRequest Reinit = new(2, Force: false);

    private static Observation Leader() => Observe("u4", ClusterWithLeader("u4", "u5"), PostgresRunningAsPrimary()) with { Now = Now };

    private static Observation Replica() => Observe("u5", ClusterWithLeader("u4", "u5"), PostgresRunningAsReplica("u4")) with { Now = Now };

    private static ScheduledRestart ScheduledAt(DateTimeOffset at, RestartFilters? filters = null) =>
        new(at, filters ?? RestartFilters.None, null, DateTimeOffset.UnixEpoch, Now.AddHours(-1));

    private static readonly Dictionary<string, DecisionRow> Rows = new()
    {
        // POST /restart
        ["replica restarts at once after its quiet cycle"] = new(
            Replica() with { Request = Restart },
            "no action. I am (u5), a secondary, and following a leader (u4)",
            [typeof(SyncSlots), typeof(TouchMember), typeof(HaStep.Restart)]),
        ["leader renews its lock, then restarts keeping it"] = new(
            Leader() with { Request = Restart },
            "no action. I am (u4), the leader with the lock",
            [typeof(UpdateLock), typeof(KeepaliveWatchdog), typeof(WriteStatus), typeof(SyncSlots), typeof(TouchMember), typeof(HaStep.Restart)]),
        ["restart while a clone runs is refused"] = new(
            Replica() with { Request = Restart, LongActionInProgress = LongActionKind.Clone },
            "clone in progress",
            [typeof(TouchMember), typeof(Reply)]),
        ["restart whose role filter does not match is refused"] = new(
            Replica() with { Request = Restart with { Filters = new RestartFilters(Role: "master") } },
            "no action. I am (u5), a secondary, and following a leader (u4)",
            [typeof(SyncSlots), typeof(TouchMember), typeof(Reply)]),
        ["restart of a primary asked for role primary goes ahead"] = new(
            Leader() with { Request = Restart with { Filters = new RestartFilters(Role: "primary") } },
            "no action. I am (u4), the leader with the lock",
            [typeof(UpdateLock), typeof(KeepaliveWatchdog), typeof(WriteStatus), typeof(SyncSlots), typeof(TouchMember), typeof(HaStep.Restart)]),
        ["restart only if pending, and nothing is pending"] = new(
            Replica() with { Request = Restart with { Filters = new RestartFilters(RestartPending: true) } },
            "no action. I am (u5), a secondary, and following a leader (u4)",
            [typeof(SyncSlots), typeof(TouchMember), typeof(Reply)]),
        ["restart only if pending, and a restart is pending"] = new(
            Replica() with { Request = Restart with { Filters = new RestartFilters(RestartPending: false) }, Postgres = PostgresRunningAsReplica("u4") with { PendingRestart = true } },
            "no action. I am (u5), a secondary, and following a leader (u4)",
            [typeof(SyncSlots), typeof(TouchMember), typeof(HaStep.Restart)]),
        ["restart only below a version the server already has"] = new(
            Replica() with { Request = Restart with { Filters = new RestartFilters(PostgresVersion: "15.2") }, Postgres = PostgresRunningAsReplica("u4") with { ServerVersion = 150018 } },
            "no action. I am (u5), a secondary, and following a leader (u4)",
            [typeof(SyncSlots), typeof(TouchMember), typeof(Reply)]),
        ["restart below a newer version goes ahead"] = new(
            Replica() with { Request = Restart with { Filters = new RestartFilters(PostgresVersion: "16.1") }, Postgres = PostgresRunningAsReplica("u4") with { ServerVersion = 150018 } },
            "no action. I am (u5), a secondary, and following a leader (u4)",
            [typeof(SyncSlots), typeof(TouchMember), typeof(HaStep.Restart)]),
        ["restart waits while the replica is re-pointed at a new leader"] = new(
            Replica() with { Request = Restart, Postgres = PostgresRunningAsReplica("u6") },
            "no action. I am (u5), a secondary, and following a leader (u4)",
            [typeof(SyncSlots), typeof(HaStep.Follow), typeof(TouchMember)]),
        ["restart waits while a primary without the lock demotes"] = new(
            Observe("u5", ClusterWithLeader("u4", "u5"), PostgresRunningAsPrimary()) with { Request = Restart },
            "demoting self because I do not have the lock and I was a leader",
            [typeof(Demote), typeof(TouchMember)]),
        ["replica restarts without the DCS"] = new(
            Observe("u5", null, PostgresRunningAsReplica()) with { Request = Restart },
            "DCS is not accessible",
            [typeof(HaStep.Restart)]),
        ["paused: a stopped postgres is started by a restart"] = new(
            Observe("u5", ClusterWithLeader("u4", "u5"), PostgresStopped()) with { Request = Restart, Dynamic = new DynamicConfig { Pause = true } },
            "postgres is not running",
            [typeof(DisableWatchdog), typeof(TouchMember), typeof(HaStep.Restart)]),
        ["a leader restarting keeps renewing and kicking the fence"] = new(
            Leader() with { LongActionInProgress = LongActionKind.Restart },
            "updated leader lock during restart",
            [typeof(UpdateLock), typeof(KeepaliveWatchdog), typeof(TouchMember)]),

        // POST /reinitialize
        ["replica is reinitialized from the leader"] = new(
            Replica() with { Request = Reinit },
            "reinitialize started: cloning again from leader 'u4'",
            [typeof(HaStep.Reinitialize), typeof(TouchMember)]),
        ["replica that cannot start is reinitialized instead"] = new(
            Observe("u5", ClusterWithLeader("u4", "u5"), PostgresStopped() with { StartBlocked = "diverged" }) with { Request = Reinit },
            "reinitialize started: cloning again from leader 'u4'",
            [typeof(HaStep.Reinitialize), typeof(TouchMember)]),
        ["leader refuses to reinitialize"] = new(
            Leader() with { Request = Reinit },
            "no action. I am (u4), the leader with the lock",
            [typeof(UpdateLock), typeof(KeepaliveWatchdog), typeof(WriteStatus), typeof(SyncSlots), typeof(TouchMember), typeof(Reply)]),
        ["no leader, nothing to reinitialize from"] = new(
            Observe("u5", UnlockedCluster("u5"), PostgresRunningAsReplica()) with { Request = Reinit, Peers = [PeerPrimary("u4")] },
            "following a different leader because i am not the healthiest node (Primary (u4) is still alive)",
            [typeof(SyncSlots), typeof(HaStep.Follow), typeof(TouchMember), typeof(Reply)]),
        ["reinitialize while a clone runs is refused"] = new(
            Replica() with { Request = Reinit, LongActionInProgress = LongActionKind.Clone },
            "clone in progress",
            [typeof(TouchMember), typeof(Reply)]),
        ["reinitialize with force cancels the clone that runs"] = new(
            Replica() with { Request = Reinit with { Force = true }, LongActionInProgress = LongActionKind.Clone },
            "reinitialize started: cloning again from leader 'u4'",
            [typeof(CancelLongAction), typeof(HaStep.Reinitialize), typeof(TouchMember)]),

        // Scheduled restart (ha.py:evaluate_scheduled_restart)
        ["scheduled restart that is due runs on the leader"] = new(
            Leader() with { ScheduledRestart = ScheduledAt(Now.AddSeconds(-1)), Postgres = PostgresRunningAsPrimary() with { PostmasterStartTime = DateTimeOffset.UnixEpoch } },
            "restart initiated",
            [typeof(UpdateLock), typeof(KeepaliveWatchdog), typeof(WriteStatus), typeof(SyncSlots), typeof(ClearScheduledRestart), typeof(TouchMember), typeof(HaStep.Restart)]),
        ["scheduled restart in the future waits"] = new(
            Replica() with { ScheduledRestart = ScheduledAt(Now.AddSeconds(5)), Postgres = PostgresRunningAsReplica("u4") with { PostmasterStartTime = Now.AddHours(-2) } },
            "no action. I am (u5), a secondary, and following a leader (u4)",
            [typeof(SyncSlots), typeof(TouchMember)]),
        ["scheduled restart missed by more than 1.5 loop_wait is stale"] = new(
            Replica() with { ScheduledRestart = ScheduledAt(Now.AddSeconds(-16)) },
            "no action. I am (u5), a secondary, and following a leader (u4)",
            [typeof(SyncSlots), typeof(ClearScheduledRestart), typeof(TouchMember)]),
        ["scheduled restart overtaken by another restart is dropped"] = new(
            Replica() with { ScheduledRestart = ScheduledAt(Now.AddHours(1)), Postgres = PostgresRunningAsReplica("u4") with { PostmasterStartTime = Now.AddMinutes(-1) } },
            "no action. I am (u5), a secondary, and following a leader (u4)",
            [typeof(SyncSlots), typeof(ClearScheduledRestart), typeof(TouchMember)]),
        ["scheduled restart requested while postgres was restarting is not dropped by the new postmaster"] = new(
            Replica() with
            {
                ScheduledRestart = ScheduledAt(Now.AddHours(1)) with { PostmasterStartTime = null },
                Postgres = PostgresRunningAsReplica("u4") with { PostmasterStartTime = Now.AddMinutes(-1) },
            },
            "no action. I am (u5), a secondary, and following a leader (u4)",
            [typeof(SyncSlots), typeof(TouchMember)]),
        ["scheduled restart whose conditions fail is dropped"] = new(
            Replica() with { ScheduledRestart = ScheduledAt(Now, new RestartFilters(Role: "master")) },
            "no action. I am (u5), a secondary, and following a leader (u4)",
            [typeof(SyncSlots), typeof(ClearScheduledRestart), typeof(TouchMember)]),
        ["paused: a due scheduled restart waits"] = new(
            Replica() with { ScheduledRestart = ScheduledAt(Now), Dynamic = new DynamicConfig { Pause = true } },
            "no action. I am (u5), a secondary, and following a leader (u4)",
            [typeof(DisableWatchdog), typeof(TouchMember)]),
        ["scheduled restart is not evaluated in an unlocked cluster"] = new(
            Observe("u5", UnlockedCluster("u5"), PostgresRunningAsReplica()) with { Now = Now, ScheduledRestart = ScheduledAt(Now), Peers = [PeerPrimary("u4")] },
            "following a different leader because i am not the healthiest node (Primary (u4) is still alive)",
            [typeof(SyncSlots), typeof(HaStep.Follow), typeof(TouchMember)]),
    };

    public static TheoryData<string> Names() => [.. Rows.Keys];

    [Theory]
    [MemberData(nameof(Names))]
    public void Decides(string scenario) => Rows[scenario].AssertDecided();

    [Theory]
    [InlineData("restart while a clone runs is refused", 503, "clone already in progress")]
    [InlineData("restart whose role filter does not match is refused", 503, "restart conditions are not satisfied")]
    [InlineData("restart only if pending, and nothing is pending", 503, "restart conditions are not satisfied")]
    [InlineData("restart only below a version the server already has", 503, "restart conditions are not satisfied")]
    [InlineData("leader refuses to reinitialize", 503, "I am the leader, can not reinitialize")]
    [InlineData("no leader, nothing to reinitialize from", 503, "Cluster has no leader, can not reinitialize")]
    [InlineData("reinitialize while a clone runs is refused", 503, "clone already in progress")]
    public void Refusals_use_patronis_words(string scenario, int status, string message)
    {
        var reply = HaDecider.Decide(Rows[scenario].Observation).Find<Reply>()!;

        Assert.Equal((status, message), (reply.Status, reply.Message));
    }

    [Fact]
    public void Restart_waits_for_the_requested_timeout_else_primary_start_timeout()
    {
        Assert.Equal(300, HaDecider.Decide(Replica() with { Request = Restart }).Find<HaStep.Restart>()!.StartTimeoutSeconds);
        Assert.Equal(30, HaDecider.Decide(Replica() with { Request = Restart with { TimeoutSeconds = 30 } }).Find<HaStep.Restart>()!.StartTimeoutSeconds);
        var noPrimaryTimeout = Replica() with { Request = Restart, Dynamic = new DynamicConfig { PrimaryStartTimeout = 0 } };
        Assert.Equal(60, HaDecider.Decide(noPrimaryTimeout).Find<HaStep.Restart>()!.StartTimeoutSeconds);
    }

    [Fact]
    public void Reinitialize_clones_from_the_leader_conn_url_and_answers_the_request()
    {
        var step = HaDecider.Decide(Replica() with { Request = Reinit }).Find<HaStep.Reinitialize>()!;

        Assert.Equal(2, step.RequestId);
        Assert.Equal(new NodeAgent.Postgres.UpstreamTarget("u4", "postgres://127.0.0.4:5432/postgres"), step.Source);
    }

    [Theory]
    [InlineData("15.2", 150002)]
    [InlineData("9.6.3", 90603)]
    [InlineData("10.21", 100021)]
    [InlineData("9.6", null)]
    [InlineData("15.x", null)]
    public void Postgres_versions_compare_as_patroni_numbers(string version, int? number) =>
        Assert.Equal(number, RestartFilters.VersionNumber(version));
}
