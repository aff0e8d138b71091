using Microsoft.Extensions.Logging;
using NodeAgent.Cluster;
using NodeAgent.Configuration;
using NodeAgent.Dcs;
using NodeAgent.Postgres;
using NodeAgent.Postgres.Rewind;
using NodeAgent.Watchdog;
using static NodeAgent.Ha.HaStep;

namespace NodeAgent.Ha;

/// <summary>The result of running a plan: the reason that ended up true, and what the loop must know.</summary>
/// <param name="StartDeferred">The rejoin check did not let a start as a replica happen (put off because the leader is
/// unreachable, or refused): nothing changed that would be worth looking at again before the next cycle.</param>
/// <param name="Postgres">Postgres as looked at again after the plan changed it (promoted, started, stopped), for the
/// REST status: without it HAProxy would see the new primary only after the next cycle.</param>
public sealed record HaOutcome(string Reason, bool DcsFailed = false, string? ExitReason = null, bool StartDeferred = false, PostgresObservation? Postgres = null);

/// <summary>
/// Runs a <see cref="HaDecision"/> step by step against the ports. A failed guard switches to its
/// <see cref="IGuard.Otherwise"/> plan; a DCS error stops the plan and reports <see cref="HaOutcome.DcsFailed"/>
/// so the loop can decide again as "DCS not accessible". Every DCS call is bounded by retry_timeout.
/// </summary>
public sealed partial class HaPlanExecutor(
    IDcs dcs,
    IPostgresInstance postgres,
    IWatchdog watchdog,
    LeaseClock lease,
    TimeProvider time,
    ILogger<HaPlanExecutor> logger,
    HaRequests? requests = null)
{
    /// <summary>The REST commands and the scheduled restart this executor answers and clears.</summary>
    public HaRequests Requests { get; } = requests ?? new HaRequests();

    /// <summary>
    /// A demote stopped postgres but its start as a replica had to wait (the new leader was not primary yet):
    /// the decision must start it later even in pause, where a stopped postgres is otherwise left alone.
    /// </summary>
    public bool RejoinPending { get; private set; }

    /// <summary>Runs <paramref name="decision"/> with what the loop lends it for this plan (<see cref="PlanContext"/>).</summary>
    internal async Task<HaOutcome> ExecuteAsync(HaDecision decision, Observation observation, PlanContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(decision);
        ArgumentNullException.ThrowIfNull(observation);
        try
        {
            return await RunAsync(decision, observation, context, cancellationToken).ConfigureAwait(false);
        }
        catch (DcsUnavailableException e)
        {
            LogDcsFailed(logger, decision.Reason, e.Message);
            return new HaOutcome(decision.Reason, DcsFailed: true);
        }
    }

    private async Task<HaOutcome> RunAsync(HaDecision decision, Observation o, PlanContext context, CancellationToken ct)
    {
        var postgresChanged = false;
        var leaseRefreshed = false;
        var startDeferred = false;
        PostgresObservation? after = null;
        foreach (var step in decision.Steps)
        {
            switch (step)
            {
                case Exit exit:
                    return new HaOutcome(decision.Reason, ExitReason: exit.Why);
                case TouchMember:
                    after = await TouchMemberAsync(o, context.LongAction, postgresChanged, leaseRefreshed, ct).ConfigureAwait(false);
                    break;
                case ActivateWatchdog or Promote or StartAsPrimary when !LockFresh():
                    // The plan was decided on a renewal that is too old by now (slow call, agent frozen between the
                    // renewal and this step): past the demotion deadline a primary must not be made.
                    lease.Lost();
                    context.Status.Note(StatusNote.LockLost);
                    var stale = StaleLockReason();
                    LogStaleLock(logger, step.GetType().Name, stale);
                    return new HaOutcome(stale);
                case IGuard guard when !await PassesAsync(step, o, context.Status, ct).ConfigureAwait(false):
                    LogGuardFailed(logger, step.GetType().Name, guard.Otherwise.Reason);
                    return await RunAsync(guard.Otherwise, o, context, ct).ConfigureAwait(false);
                case UpdateLock:
                    // Renewing the lock refreshed the lease too; the member key lives under the same lease.
                    leaseRefreshed = true;
                    break;
                case IGuard:
                    break;
                case StartAsReplica start:
                    startDeferred |= !await StartAsReplicaAsync(start, o, ct).ConfigureAwait(false);
                    postgresChanged = true;
                    break;
                default:
                    postgresChanged |= await RunStepAsync(step, o, context.Status, ct).ConfigureAwait(false);
                    break;
            }
        }

        return new HaOutcome(decision.Reason, StartDeferred: startDeferred, Postgres: after);
    }

    /// <summary>False when the rejoin check put the start off or refused it.</summary>
    private async Task<bool> StartAsReplicaAsync(StartAsReplica start, Observation o, CancellationToken ct)
    {
        if (!await RejoinAllowsStartAsync(start.Upstream, o, ct).ConfigureAwait(false))
        {
            return false;
        }

        if (await postgres.StartAsync(asPrimary: false, start.Upstream, ct).ConfigureAwait(false))
        {
            RejoinPending = false;
        }

        return true;
    }

    private async Task<bool> PassesAsync(HaStep step, Observation o, IStatusNotes status, CancellationToken ct)
    {
        switch (step)
        {
            case AcquireLock:
                return await AcquireAsync(o, status, ct).ConfigureAwait(false);
            case UpdateLock:
                var asked = time.GetTimestamp();
                return LockResult(await Dcs(o, t => dcs.UpdateLeaderAsync(t), ct).ConfigureAwait(false), asked, status);
            case RaceInitialize:
                return await Dcs(o, t => dcs.InitializeAsync(createNew: true, "", t), ct).ConfigureAwait(false);
            case ActivateWatchdog:
                // False when the fence could not be armed, or the device in required mode: fail closed, do not promote.
                return lease.FenceDeadline is { } deadline && watchdog.Activate(o.Dynamic.Ttl, o.Dynamic.LoopWait, deadline);
            default:
                throw new InvalidOperationException($"{step.GetType().Name} is not a guard");
        }
    }

    /// <summary>
    /// The leader key lives only as long as the lease it is put under, and that lease may not have been refreshed for a
    /// while (the last touch failed): refresh it first, so the lock starts with a whole ttl from <c>asked</c> on.
    /// Found by the HA simulation: with a flaky etcd, a key put under a lease last refreshed 20 s earlier expired 10 s
    /// after the promotion, while the fence armed at the promotion still waited for its 20 s deadline, and the next
    /// leader was promoted meanwhile: two writable primaries for 9 s.
    /// </summary>
    private async Task<bool> AcquireAsync(Observation o, IStatusNotes status, CancellationToken ct)
    {
        var asked = time.GetTimestamp();
        await Dcs(o, t => dcs.RefreshLeaseAsync(t), ct).ConfigureAwait(false);
        return LockResult(await Dcs(o, t => dcs.AttemptToAcquireLeaderAsync(t), ct).ConfigureAwait(false), asked, status);
    }

    /// <summary>
    /// The lease runs from the moment the renewal was asked for (etcd applies it later, never earlier), with the TTL etcd
    /// granted to the lease the leader key is bound to now.
    /// </summary>
    private bool LockResult(bool ok, long asked, IStatusNotes status)
    {
        if (ok)
        {
            lease.Renewed(asked, dcs.LeaseTtl);
        }
        else
        {
            lease.Lost();
            status.Note(StatusNote.LockLost);
        }

        return ok;
    }

    /// <summary>Runs one non-guard step; returns true when it changed the local postgres.</summary>
    private async Task<bool> RunStepAsync(HaStep step, Observation o, IStatusNotes notes, CancellationToken ct)
    {
        switch (step)
        {
            case ReleaseLock:
                lease.Lost();
                notes.Note(StatusNote.LockLost);
                await Dcs(o, t => dcs.DeleteLeaderAsync(t), ct).ConfigureAwait(false);
                return false;
            case KeepaliveWatchdog when lease.FenceDeadline is { } deadline:
                watchdog.Keepalive(deadline);
                return false;
            case KeepaliveWatchdog:
                return false;
            case DisableWatchdog:
                watchdog.Disable();
                return false;
            case Bootstrap:
                await BootstrapAsync(o, notes, ct).ConfigureAwait(false);
                return true;
            case CloneFrom clone:
                await CloneAndStartAsync(clone.Upstream, ct).ConfigureAwait(false);
                return true;
            case StartAsPrimary:
                await postgres.StartAsync(asPrimary: true, null, ct).ConfigureAwait(false);
                return true;
            case Promote:
                await postgres.PromoteAsync(ct).ConfigureAwait(false);
                return true;
            case HaStep.Follow { Upstream: { } upstream, CheckDivergence: true }:
                postgres.RequireDivergenceCheck();
                await postgres.StopAsync(StopMode.Fast, checkpoint: false, ct).ConfigureAwait(false);
                if (await RejoinAllowsStartAsync(upstream, o, ct).ConfigureAwait(false))
                {
                    await postgres.StartAsync(asPrimary: false, upstream, ct).ConfigureAwait(false);
                }

                return true;
            case HaStep.Follow follow:
                await postgres.FollowAsync(follow.Upstream, ct).ConfigureAwait(false);
                return true;
            case Demote demote:
                await DemoteAsync(demote, o, notes, ct).ConfigureAwait(false);
                return true;
            case StopPostgres stop:
                notes.Note(StatusNote.StoppingPostgres);
                await postgres.StopAsync(stop.Mode, checkpoint: false, ct).ConfigureAwait(false);
                return true;
            case WriteInitialize init:
                await Dcs(o, t => dcs.InitializeAsync(init.CreateNew, init.SystemIdentifier, t), ct).ConfigureAwait(false);
                return false;
            case WriteConfig:
                await Dcs(o, t => dcs.SetConfigAsync(o.Config.Bootstrap.DcsJson, null, t), ct).ConfigureAwait(false);
                return false;
            case WriteStatus status:
                await Dcs(o, async t => { await dcs.WriteStatusAsync(status.Optime, t).ConfigureAwait(false); return true; }, ct).ConfigureAwait(false);
                return false;
            case WriteHistory history:
                await WriteHistoryAsync(history, o, ct).ConfigureAwait(false);
                return false;
            case ClearFailover clear:
                await Dcs(o, t => dcs.SetFailoverAsync(null, clear.ModRevision, t), ct).ConfigureAwait(false);
                return false;
            case SyncSlots slots:
                await postgres.SyncReplicationSlotsAsync(slots.Slots, ct).ConfigureAwait(false);
                return false;
            case Reply reply:
                Requests.Reply(reply.RequestId, new ManualReply(reply.Status, reply.Message));
                return false;
            case ClearScheduledRestart clear:
                if (Requests.ClearScheduled(clear.Expected) && clear.Why is { } why)
                {
                    LogScheduledRestartDropped(logger, why);
                }

                return false;
            case CancelLongAction:
                // The loop cancelled the running action before it handed this plan over.
                return false;
            case Restart restart:
                await RestartAsync(restart, notes, ct).ConfigureAwait(false);
                return true;
            case HaStep.Reinitialize reinit:
                await ReinitializeAsync(reinit, notes, ct).ConfigureAwait(false);
                return true;
            default:
                throw new InvalidOperationException($"no executor for {step.GetType().Name}");
        }
    }

    /// <summary>
    /// §2.6. Writes stop being accepted (as far as health checks go) before postgres is even asked to stop.
    /// A fast stop that does not finish within retry_timeout is escalated to immediate.
    /// </summary>
    private async Task DemoteAsync(Demote demote, Observation o, IStatusNotes status, CancellationToken ct)
    {
        var releases = demote.Mode is DemoteMode.Graceful or DemoteMode.Immediate;
        lease.Lost();
        status.Note(StatusNote.Demoting);
        LogDemoting(logger, demote.Mode);

        if (demote.Mode is DemoteMode.Offline or DemoteMode.Graceful)
        {
            using var budget = CancellationTokenSource.CreateLinkedTokenSource(ct);
            budget.CancelAfter(TimeSpan.FromSeconds(Math.Max(1, o.Dynamic.RetryTimeout)));
            try
            {
                await postgres.StopAsync(StopMode.Fast, checkpoint: demote.Mode == DemoteMode.Graceful, budget.Token).ConfigureAwait(false);
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

        // The safepoint: postmaster is gone, the node can no longer accept writes, the watchdog may go.
        watchdog.Disable();
        if (releases)
        {
            await Dcs(o, t => dcs.DeleteLeaderAsync(t), ct).ConfigureAwait(false);
        }

        var upstream = demote.Mode == DemoteMode.Offline ? null : demote.FollowAfter;
        var canStart = await RejoinAllowsStartAsync(upstream, o, ct).ConfigureAwait(false);
        RejoinPending = !canStart;
        if (canStart)
        {
            await postgres.StartAsync(asPrimary: false, upstream, ct).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// §2.7: a stopped node checks its data against the leader before following it (pg_rewind, removal or refusal
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

    /// <summary>§2.16: initdb, start, roles, then initialize = sysid, config, lock. Undone on failure.</summary>
    private async Task BootstrapAsync(Observation o, IStatusNotes status, CancellationToken ct)
    {
        try
        {
            await postgres.InitDbAsync(ct).ConfigureAwait(false);
            if (!await postgres.StartAsync(asPrimary: true, null, ct).ConfigureAwait(false))
            {
                throw new InvalidOperationException("postgres did not start after initdb");
            }

            await postgres.CreateRolesAsync(ct).ConfigureAwait(false);
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
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or DcsUnavailableException)
        {
            LogBootstrapFailed(logger, e.Message);
            watchdog.Disable();
            await postgres.StopAsync(StopMode.Immediate, checkpoint: false, ct).ConfigureAwait(false);
            await Dcs(o, async t => { await dcs.CancelInitializationAsync(t).ConfigureAwait(false); return true; }, ct).ConfigureAwait(false);
        }
    }

    private async Task WriteHistoryAsync(WriteHistory history, Observation o, CancellationToken ct)
    {
        var rows = TimelineHistoryEnricher.Enrich(
            await postgres.ReadTimelineHistoryAsync(history.Timeline, ct).ConfigureAwait(false),
            o.Cluster?.History ?? [], history.Timeline, o.Me, o.Now);
        var keep = o.Dynamic.MaxTimelinesHistory;
        IReadOnlyList<TimelineHistoryEntry> trimmed = keep > 0 && rows.Count > keep ? [.. rows.Skip(rows.Count - keep)] : rows;
        await Dcs(o, async t => { await dcs.SetHistoryAsync(trimmed, t).ConfigureAwait(false); return true; }, ct).ConfigureAwait(false);
    }

    /// <summary>Writes the member key; returns postgres as looked at again when the plan changed it, else null.</summary>
    private async Task<PostgresObservation?> TouchMemberAsync(Observation o, Func<LongActionKind?> longAction, bool postgresChanged, bool leaseRefreshed, CancellationToken ct)
    {
        var fresh = postgresChanged ? await postgres.ObserveAsync(ct).ConfigureAwait(false) : null;
        var pg = fresh ?? o.Postgres;
        var data = MemberDataFactory.Build(o.Config, pg, longAction(), o.Paused, Requests.Scheduled, watchdog.Status, watchdog.FenceStatus);
        await Dcs(o, async t =>
        {
            if (!leaseRefreshed)
            {
                await dcs.RefreshLeaseAsync(t).ConfigureAwait(false);
            }

            await dcs.TouchMemberAsync(data, t).ConfigureAwait(false);
            return true;
        }, ct).ConfigureAwait(false);
        return fresh;
    }

    /// <summary>
    /// One DCS call under a retry_timeout deadline, cut short so a lock holder can still demote in time; running out of
    /// time counts as "DCS unavailable".
    /// </summary>
    private async Task<bool> Dcs(Observation o, Func<CancellationToken, Task<bool>> call, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(lease.CallBudget(o.Dynamic.RetryTimeout));
        try
        {
            return await call(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new DcsUnavailableException("DCS call exceeded retry_timeout");
        }
    }

    /// <summary>A primary may still be made: the lock is held and its demotion deadline has not come.</summary>
    private bool LockFresh() => lease.TimeLeft > TimeSpan.Zero;

    private string StaleLockReason() =>
        lease.RenewalAge is { } age
            ? string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"not making postgres writable: the leader lock was renewed {age.TotalSeconds:0.#} s ago, past the {LeaseClock.DemoteAfter(lease.GrantedTtl).TotalSeconds:0.#} s its lease allows")
            : "not making postgres writable: the leader lock is not held";
}
