using NodeAgent.Dcs;
using NodeAgent.Postgres;
using NodeAgent.Postgres.Callbacks;
using static NodeAgent.Ha.HaStep;

namespace NodeAgent.Ha;

/// <summary>The steps that stop and start postgres around a role change: demote, rejoin (divergence check), start as replica, bootstrap.</summary>
public sealed partial class HaPlanExecutor
{
    /// <summary>False when the rejoin check put the start off or refused it.</summary>
    private async Task<bool> StartAsReplicaAsync(StartAsReplica start, Observation o, CancellationToken ct)
    {
        if (!await RejoinAllowsStartAsync(start.Upstream, o, ct).ConfigureAwait(false))
        {
            return false;
        }

        if (await postgres.StartAsync(asPrimary: false, start.Upstream, ct).ConfigureAwait(false))
        {
            // A demoted primary started at last is a role change, as Patroni sees it (its role was 'demoted').
            _callbacks.Fire(RejoinPending ? CallbackAction.OnRoleChange : CallbackAction.OnStart, CallbackRole.Replica);
            RejoinPending = false;
        }

        return true;
    }

    /// <summary>
    /// Follow with the divergence check the decision asked for: stop postgres, check it against the upstream's history
    /// (pg_rewind inside), start it as the upstream's replica when the check allows.
    /// </summary>
    private async Task RejoinAsync(UpstreamTarget upstream, Observation o, CancellationToken ct)
    {
        postgres.RequireDivergenceCheck();
        await postgres.StopAsync(StopMode.Fast, checkpoint: false, ct).ConfigureAwait(false);
        if (await RejoinAllowsStartAsync(upstream, o, ct).ConfigureAwait(false))
        {
            // postgresql/__init__.py:follow: the demotion already reported the role change; a replica restarts.
            FireIf(await postgres.StartAsync(asPrimary: false, upstream, ct).ConfigureAwait(false),
                o.Postgres.IsRunning ? CallbackAction.OnRestart : CallbackAction.OnStart, CallbackRole.Replica);
        }
    }

    /// <summary>
    /// A CHECKPOINT ahead of a stop, only while the lock is held and never past the demotion deadline (that cycle must run
    /// on time), within retry_timeout; one that fails only leaves the stop more to write.
    /// </summary>
    private async Task CheckpointWhileLeadingAsync(Observation o, CancellationToken ct)
    {
        if (lease.TimeLeft is not { } left || left <= TimeSpan.Zero)
        {
            return;
        }

        var retry = StopBudget(o);
        await postgres.CheckpointBeforeStopAsync(left < retry ? left : retry, ct).ConfigureAwait(false);
    }

    private static TimeSpan StopBudget(Observation o) => TimeSpan.FromSeconds(Math.Max(1, o.Dynamic.RetryTimeout));

    /// <summary>
    /// ha.py:demote. Writes stop being accepted (as far as health checks go) before postgres is even asked to stop.
    /// A fast stop that does not finish within retry_timeout is escalated to immediate.
    /// </summary>
    private async Task DemoteAsync(Demote demote, Observation o, IStatusNotes status, CancellationToken ct)
    {
        var releases = demote.Mode is DemoteMode.Graceful or DemoteMode.Immediate;
        if (demote.Mode == DemoteMode.Graceful)
        {
            // postgresql/__init__.py:_do_stop: the checkpoint runs while this primary still serves and is routed to, so
            // the shutdown checkpoint is short and the clients' window opens only after it.
            await CheckpointWhileLeadingAsync(o, ct).ConfigureAwait(false);
        }

        if (lease.Holds)
        {
            // Out of HAProxy's primary backend before postgres stops; only the lock holder pushes.
            Routing.Withdraw();
        }

        lease.Lost();
        status.Note(StatusNote.Demoting);
        LogDemoting(logger, demote.Mode);
        Counters.Demoted(demote.Mode);
        if (demote.Mode == DemoteMode.Graceful)
        {
            // Counted from now: the health checks answer 503 on /primary from this moment.
            postgres.HoldOffClientsAfterSwitchover();
        }

        // A fast stop also for a handover: its walsenders send the replicas every last WAL record before the postmaster
        // exits, so the member that takes over has each write this primary acknowledged (an immediate stop lost one in
        // the chaos suite). If it is slower than the demotion margin, the fence stops postgres.
        if (demote.Mode is DemoteMode.Offline or DemoteMode.Graceful)
        {
            using var budget = CancellationTokenSource.CreateLinkedTokenSource(ct);
            budget.CancelAfter(StopBudget(o));
            try
            {
                await postgres.StopAsync(StopMode.Fast, checkpoint: false, budget.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                LogStopEscalated(logger);
                await postgres.StopAsync(StopMode.Immediate, checkpoint: false, ct).ConfigureAwait(false);
            }
        }
        else
        {
            await postgres.StopAsync(StopMode.Immediate, checkpoint: false, ct).ConfigureAwait(false);
        }

        // The safepoint: postmaster is gone, the node can no longer accept writes, the watchdog may go. Members racing
        // for the lock must not see a primary here any more.
        watchdog.Disable();
        status.Note(StatusNote.PostgresStopped);
        if (demote.Mode == DemoteMode.Graceful && Routing.Withdrawn)
        {
            // HAProxy took the withdrawal: it sends this node no new clients, so the replica it becomes may listen at once
            // (and can be promoted again without first restarting to listen).
            LogNoClientHoldoff(logger);
            await postgres.OpenToClientsAsync(ct).ConfigureAwait(false);
        }

        if (demote.HandOver)
        {
            await HandOverLockAsync(o, ct).ConfigureAwait(false);
        }

        _callbacks.Fire(CallbackAction.OnStop, releases ? CallbackRole.Demoted : CallbackRole.Master);
        if (releases)
        {
            await Dcs(o, t => dcs.DeleteLeaderAsync(t), ct).ConfigureAwait(false);
        }

        var upstream = demote.Mode == DemoteMode.Offline ? null : demote.FollowAfter;
        var canStart = await RejoinAllowsStartAsync(upstream, o, ct).ConfigureAwait(false);
        RejoinPending = !canStart;
        if (canStart)
        {
            FireIf(await postgres.StartAsync(asPrimary: false, upstream, ct).ConfigureAwait(false), CallbackAction.OnRoleChange, CallbackRole.Replica);
        }
    }

    /// <summary>
    /// ha.py:_rewind: a stopped node checks its data against the leader before following it (pg_rewind, removal or refusal
    /// happen inside). Without an upstream there is nothing to diverge from: a read-only start is harmless.
    /// </summary>
    private async Task<bool> RejoinAllowsStartAsync(UpstreamTarget? upstream, Observation o, CancellationToken ct)
    {
        if (upstream is null)
        {
            return true;
        }

        var rejoin = await postgres.PrepareRejoinAsync(upstream, o.Dynamic, ct).ConfigureAwait(false);
        if (!rejoin.CanStart)
        {
            LogNotStarting(logger, upstream.MemberName, rejoin.Outcome, rejoin.Message);
        }

        return rejoin.CanStart;
    }

    /// <summary>
    /// ha.py:bootstrap and post_bootstrap: initdb or the custom method, start (through recovery), roles, post_bootstrap,
    /// then initialize = sysid, config, lock. Undone on failure (ha.py:cancel_initialization): postgres stopped and the
    /// initialize key deleted; a cluster that failed before post_bootstrap finished is emptied too, so no half-made
    /// cluster is left for the next attempt (a complete one whose lock or watchdog failed is kept).
    /// </summary>
    private async Task BootstrapAsync(Observation o, IStatusNotes status, CancellationToken ct)
    {
        var complete = false;
        try
        {
            await postgres.InitializeAsync(ct).ConfigureAwait(false);
            if (!await postgres.StartBootstrappedAsync(ct).ConfigureAwait(false))
            {
                throw new InvalidOperationException("postgres did not start (or did not finish its recovery) after bootstrap");
            }

            await postgres.CreateRolesAsync(ct).ConfigureAwait(false);
            await postgres.RunPostBootstrapAsync(ct).ConfigureAwait(false);
            complete = true;
            var pg = await postgres.ObserveAsync(ct).ConfigureAwait(false);
            var sysid = pg.SystemIdentifier ?? throw new InvalidOperationException("no system identifier after initdb");
            await Dcs(o, t => dcs.InitializeAsync(createNew: false, sysid, t), ct).ConfigureAwait(false);
            await Dcs(o, t => dcs.SetConfigAsync(o.Config.Bootstrap.DcsJson, null, t), ct).ConfigureAwait(false);
            if (!watchdog.Activate(o.Dynamic.Ttl, o.Dynamic.LoopWait, lease.Provisional(o.Dynamic.Ttl)))
            {
                // Patroni: "Cancelling bootstrap because watchdog activation failed". Without this a node whose
                // required watchdog is missing took the lock as the bootstrapping leader (watchdog acceptance test c).
                throw new InvalidOperationException("watchdog is required but could not be activated");
            }

            if (!await AcquireAsync(o, status, ct).ConfigureAwait(false))
            {
                throw new InvalidOperationException("another node took the leader lock during bootstrap");
            }

            LogInitialized(logger, sysid);
            _callbacks.Fire(CallbackAction.OnStart, CallbackRole.Master);
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or DcsUnavailableException)
        {
            LogBootstrapFailed(logger, e.Message);
            watchdog.Disable();
            await postgres.StopAsync(StopMode.Immediate, checkpoint: false, ct).ConfigureAwait(false);
            try
            {
                if (!complete)
                {
                    await postgres.RemoveDataDirectoryAsync(ct).ConfigureAwait(false);
                }
            }
            catch (Exception removal) when (removal is InvalidOperationException or IOException or UnauthorizedAccessException)
            {
                LogBootstrapFailed(logger, "and its data directory could not be emptied: " + removal.Message);
            }

            await Dcs(o, async t => { await dcs.CancelInitializationAsync(t).ConfigureAwait(false); return true; }, ct).ConfigureAwait(false);
        }
    }
}
