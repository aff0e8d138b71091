using Microsoft.Extensions.Logging.Abstractions;
using NodeAgent.Api.Commands;
using NodeAgent.Commands;
using NodeAgent.Cluster;
using NodeAgent.Ha;
using NodeAgent.Postgres;

namespace NodeAgent.Tests.Component;

/// <summary>
/// POST /restart, DELETE /restart and POST /reinitialize through the command sink, the HA loop and its executor,
/// on the in-memory cluster: the answers are Patroni's, and the action runs in a cycle, never beside one.
/// </summary>
public sealed class RestartReinitTests
{
    private static readonly RestartCommand RestartNow = new(null, null, null, null, null);

    private static AgentCommandSink Sink(ComponentCluster cluster, ComponentNode node) =>
        new(node.Dcs, () => 10, () => 10, node.Loop.Wakeup, () => { }, cluster.Time, NullLogger<AgentCommandSink>.Instance,
            node.Requests, () => node.Loop.LastPostgres?.PostmasterStartTime);

    private static async Task<ComponentCluster> HealthyClusterAsync()
    {
        var cluster = new ComponentCluster("u1", "u2", "u3");
        await cluster.BootstrapAsync();
        await cluster.RunForAsync(1);
        return cluster;
    }

    [Fact]
    public async Task Leader_restarts_in_a_cycle_and_keeps_the_lock()
    {
        var cluster = await HealthyClusterAsync();
        var leader = cluster["u1"];
        var starts = leader.Postgres.Starts;
        var keepalives = leader.Watchdog.Keepalives;

        var answer = Sink(cluster, leader).RestartAsync(RestartNow, CancellationToken.None);
        Assert.False(answer.IsCompleted);
        await cluster.CycleAsync();

        Assert.Equal(ApiCommandResult.Text(200, "restarted successfully"), await answer);
        Assert.Equal(starts + 1, leader.Postgres.Starts);
        Assert.Equal("restart (timeout 300 s)", leader.Postgres.Actions[^1]);
        Assert.DoesNotContain(leader.Postgres.Actions, a => a.StartsWith("stop", StringComparison.Ordinal) || a == "promote");
        Assert.Equal("u1", cluster.Store.Leader?.Name);
        Assert.True(leader.Watchdog.Armed);
        Assert.True(leader.Watchdog.Keepalives > keepalives);

        await cluster.RunForAsync(2);
        Assert.Equal("u1", Assert.Single(cluster.Primaries).Name);
        Assert.Equal("u1", cluster.Store.Leader?.Name);
        Assert.Equal("no action. I am (u1), the leader with the lock", leader.Reasons[^1]);
    }

    [Fact]
    public async Task Leader_keeps_renewing_and_kicking_while_a_slow_restart_runs_and_takes_no_writes_meanwhile()
    {
        var cluster = await HealthyClusterAsync();
        var leader = cluster["u1"];
        var gate = new TaskCompletionSource();
        leader.Postgres.RestartGate = gate;

        var answer = Sink(cluster, leader).RestartAsync(RestartNow, CancellationToken.None);
        await cluster.CycleAsync();
        Assert.False(answer.IsCompleted);
        Assert.False(leader.Board.Current.AcceptsWrites);
        Assert.Equal("restarting", leader.Board.Current.State);
        var keepalives = leader.Watchdog.Keepalives;

        // Longer than the ttl (30 s): without renewals the lease would expire and a replica would take over.
        await cluster.RunForAsync(4);
        Assert.Equal("updated leader lock during restart", leader.Reasons[^1]);
        Assert.Equal("restarting", cluster.Store.View().FindMember("u1")!.Data.State);
        Assert.Equal("u1", cluster.Store.Leader?.Name);
        Assert.Empty(cluster.Primaries);
        Assert.True(leader.Watchdog.Armed);
        Assert.True(leader.Watchdog.Keepalives >= keepalives + 4);

        gate.SetResult();
        Assert.Equal(ApiCommandResult.Text(200, "restarted successfully"), await answer);
        // The reply is sent before the action's task ends on the thread the gate released; a cycle that began in
        // between would still see the restart running.
        Assert.True(await Eventually.HoldsAsync(() => !leader.Loop.LongActionRunning, TimeSpan.FromSeconds(10)), "the restart did not end");
        await cluster.CycleAsync();
        Assert.True(leader.Board.Current.AcceptsWrites);
        Assert.Equal("u1", Assert.Single(cluster.Primaries).Name);
        Assert.Equal("no action. I am (u1), the leader with the lock", leader.Reasons[^1]);
    }

    [Fact]
    public async Task Restart_conditions_and_outcomes_are_answered_in_patronis_words()
    {
        var cluster = await HealthyClusterAsync();
        var replica = cluster["u2"];
        var sink = Sink(cluster, replica);

        var pendingOnly = new RestartCommand(true, null, null, null, null);
        var refused = sink.RestartAsync(pendingOnly, CancellationToken.None);
        Assert.Equal(ApiCommandResult.Text(503, "restart already in progress"), await sink.RestartAsync(RestartNow, CancellationToken.None));
        await cluster.CycleAsync();
        Assert.Equal(ApiCommandResult.Text(503, "restart conditions are not satisfied"), await refused);

        replica.Postgres.PendingRestart = true;
        await cluster.CycleAsync();
        Assert.True(cluster.Store.View().FindMember("u2")!.Data.PendingRestart);
        Assert.True(replica.Board.Current.PendingRestart);
        var pending = sink.RestartAsync(pendingOnly, CancellationToken.None);
        await cluster.CycleAsync();
        Assert.Equal(ApiCommandResult.Text(200, "restarted successfully"), await pending);
        await cluster.CycleAsync();
        Assert.False(cluster.Store.View().FindMember("u2")!.Data.PendingRestart);

        replica.Postgres.RestartOutcome = RestartOutcome.StillStarting;
        var slow = sink.RestartAsync(RestartNow with { TimeoutSeconds = 5 }, CancellationToken.None);
        await cluster.CycleAsync();
        Assert.Equal(ApiCommandResult.Text(503, "postgres is still starting"), await slow);
        Assert.Equal("restart (timeout 5 s)", replica.Postgres.Actions[^1]);

        replica.Postgres.RestartOutcome = RestartOutcome.Failed;
        var failed = sink.RestartAsync(RestartNow, CancellationToken.None);
        await cluster.CycleAsync();
        Assert.Equal(ApiCommandResult.Text(503, "restart failed"), await failed);
    }

    [Fact]
    public async Task Replica_is_reinitialized_from_the_leader_and_the_leader_refuses()
    {
        var cluster = await HealthyClusterAsync();
        var replica = cluster["u2"];
        replica.Postgres.Actions.Clear();

        var started = Sink(cluster, replica).ReinitializeAsync(force: true, CancellationToken.None);
        await cluster.CycleAsync();

        Assert.Equal(ApiCommandResult.Text(200, "reinitialize started"), await started);
        Assert.Equal(["stop immediate", "remove data directory", "clone u1", "start replica u1"], replica.Postgres.Actions);
        Assert.Equal("reinitialize started: cloning again from leader 'u1'", replica.Reasons[^1]);
        Assert.Equal("creating replica", cluster.Store.View().FindMember("u2")!.Data.State);
        await cluster.RunForAsync(1);
        Assert.Equal("running", cluster.Store.View().FindMember("u2")!.Data.State);
        Assert.Equal("u1", cluster.Store.Leader?.Name);

        var leader = cluster["u1"];
        var refused = Sink(cluster, leader).ReinitializeAsync(force: false, CancellationToken.None);
        await cluster.CycleAsync();
        Assert.Equal(ApiCommandResult.Text(503, "I am the leader, can not reinitialize"), await refused);
        Assert.Single(cluster.Primaries);
    }

    [Fact]
    public async Task Reinitialize_with_force_cancels_a_clone_in_progress()
    {
        var cluster = new ComponentCluster("u1", "u2", "u3");
        cluster["u2"].Postgres.CloneGate = new TaskCompletionSource();
        await cluster.CycleAsync();
        await cluster.RunForAsync(1);
        var replica = cluster["u2"];
        Assert.Equal("clone in progress", replica.Reasons[^1]);
        Assert.Equal("creating replica", replica.Board.Current.State);
        var sink = Sink(cluster, replica);

        var refused = sink.ReinitializeAsync(force: false, CancellationToken.None);
        await cluster.CycleAsync();
        Assert.Equal(ApiCommandResult.Text(503, "clone already in progress"), await refused);

        var forced = sink.ReinitializeAsync(force: true, CancellationToken.None);
        await cluster.CycleAsync();
        Assert.Equal(ApiCommandResult.Text(200, "reinitialize started"), await forced);
        await cluster.RunForAsync(1);
        Assert.True(replica.Postgres.Running);
        Assert.Equal("u1", replica.Postgres.Following);
        Assert.Equal("running", cluster.Store.View().FindMember("u2")!.Data.State);
    }

    [Fact]
    public async Task Scheduled_restart_is_shown_runs_when_due_and_can_be_deleted()
    {
        var cluster = await HealthyClusterAsync();
        var replica = cluster["u3"];
        var sink = Sink(cluster, replica);
        var at = cluster.Time.GetUtcNow().AddSeconds(25);
        var scheduled = RestartNow with { Schedule = at, PostgresVersion = "99.1" };

        Assert.Equal(ApiCommandResult.Text(202, "Restart scheduled"), await sink.RestartAsync(scheduled, CancellationToken.None));
        Assert.Equal(ApiCommandResult.Text(409, "Another restart is already scheduled"), await sink.RestartAsync(scheduled, CancellationToken.None));
        await cluster.CycleAsync();
        var shown = cluster.Store.View().FindMember("u3")!.Data.ScheduledRestart!;
        Assert.Equal(PyDateTime.IsoFormat(at), (string?)shown["schedule"]);
        Assert.Equal("99.1", (string?)shown["postgres_version"]);
        Assert.Equal(PyDateTime.Str(replica.Postgres.StartedAt), (string?)shown["postmaster_start_time"]);
        Assert.Equal(PyDateTime.IsoFormat(at), replica.Board.Current.ScheduledRestart?.Schedule);

        var starts = replica.Postgres.Starts;
        await cluster.RunForAsync(2);
        Assert.Equal(starts, replica.Postgres.Starts);
        cluster.Time.Advance(TimeSpan.FromSeconds(5));
        await cluster.CycleAsync();
        Assert.Equal(starts + 1, replica.Postgres.Starts);
        Assert.Equal("restart initiated", replica.Reasons[^1]);
        Assert.Null(replica.Requests.Scheduled);
        await cluster.CycleAsync();
        Assert.Null(cluster.Store.View().FindMember("u3")!.Data.ScheduledRestart);

        Assert.Equal(ApiCommandResult.Text(404, "no restarts are scheduled"), await sink.CancelScheduledRestartAsync(CancellationToken.None));
        Assert.Equal(ApiCommandResult.Text(202, "Restart scheduled"), await sink.RestartAsync(scheduled with { Schedule = at.AddHours(1) }, CancellationToken.None));
        await cluster.CycleAsync();
        Assert.NotNull(cluster.Store.View().FindMember("u3")!.Data.ScheduledRestart);
        Assert.Equal(ApiCommandResult.Text(200, "scheduled restart deleted"), await sink.CancelScheduledRestartAsync(CancellationToken.None));
        await cluster.CycleAsync();
        Assert.Null(cluster.Store.View().FindMember("u3")!.Data.ScheduledRestart);
        Assert.Null(replica.Board.Current.ScheduledRestart);
    }

    [Fact]
    public async Task Scheduled_restart_is_dropped_when_postgres_restarted_meanwhile()
    {
        var cluster = await HealthyClusterAsync();
        var replica = cluster["u2"];
        var sink = Sink(cluster, replica);
        await sink.RestartAsync(RestartNow with { Schedule = cluster.Time.GetUtcNow().AddHours(1) }, CancellationToken.None);
        cluster.Time.Advance(TimeSpan.FromSeconds(1));

        var now = sink.RestartAsync(RestartNow, CancellationToken.None);
        await cluster.CycleAsync();
        Assert.Equal(200, (await now).StatusCode);
        Assert.NotNull(replica.Requests.Scheduled);
        await cluster.CycleAsync();

        Assert.Null(replica.Requests.Scheduled);
    }

    [Fact]
    public void State_words_during_restart_and_reinitialize()
    {
        var running = new PostgresObservation { DataDir = DataDirState.Initialized, IsRunning = true, IsAcceptingConnections = true };

        Assert.Equal("restarting", MemberDataFactory.StateWord(running with { IsRunning = false }, LongActionKind.Restart));
        Assert.Equal("creating replica", MemberDataFactory.StateWord(running, LongActionKind.Reinitialize));
        Assert.Equal("creating replica", MemberDataFactory.StateWord(running with { DataDir = DataDirState.Empty, IsRunning = false }, LongActionKind.Reinitialize));
    }
}
