using Microsoft.Extensions.Logging;
using NodeAgent.Dcs;
using NodeAgent.Metrics;
using NodeAgent.Postgres;
using NodeAgent.Postgres.Callbacks;
using NodeAgent.Routing;
using NodeAgent.Watchdog;
using static NodeAgent.Ha.HaStep;

namespace NodeAgent.Ha;

/// <summary>The result of running a plan: the reason that ended up true, and what the loop must know.</summary>
/// <param name="StartDeferred">The rejoin check did not let a start as a replica happen (put off because the leader is
/// unreachable, or refused): nothing changed that would be worth looking at again before the next cycle.</param>
/// <param name="Postgres">Postgres as looked at again after the plan changed it (promoted, started, stopped), for the
/// REST status: without it HAProxy would see the new primary only after the next cycle.</param>
/// <param name="SyncChanged">synchronous_standby_names changed: the standbys just named are verified at a look soon after.</param>
public sealed record HaOutcome(string Reason, bool DcsFailed = false, string? ExitReason = null, bool StartDeferred = false, PostgresObservation? Postgres = null, bool SyncChanged = false);

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
    HaRequests? requests = null,
    AgentCounters? counters = null,
    ICallbacks? callbacks = null,
    IFailsafeClient? failsafeClient = null,
    IRoutingPush? routing = null,
    ILeaderReleaseClient? releaseClient = null)
{
    private readonly ICallbacks _callbacks = callbacks ?? NoCallbacks.Instance;

    /// <summary>Where promotions and demotions are told to HAProxy's runtime API (haproxy_runtime), beside the cycle.</summary>
    public IRoutingPush Routing { get; } = routing ?? NoRoutingPush.Instance;

    /// <summary>The REST commands and the scheduled restart this executor answers and clears.</summary>
    public HaRequests Requests { get; } = requests ?? new HaRequests();

    /// <summary>Where this executor counts promotions, demotions, lock changes and DCS calls; the loop publishes them.</summary>
    public AgentCounters Counters { get; } = counters ?? new AgentCounters();

    /// <summary>
    /// A demote stopped postgres but its start as a replica had to wait (the new leader was not primary yet):
    /// the decision must start it later even in pause, where a stopped postgres is otherwise left alone.
    /// </summary>
    public bool RejoinPending { get; private set; }

    /// <summary>
    /// When (monotonic timestamp) a failed pre_promote made this node release the lock: it skips the leader race for
    /// ttl seconds after (ha.py:_released_leader_key_timestamp).
    /// </summary>
    public long? PrePromoteFailedAt { get; private set; }

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
            Counters.DcsFailed();
            return new HaOutcome(decision.Reason, DcsFailed: true);
        }
    }

    private async Task<HaOutcome> RunAsync(HaDecision decision, Observation o, PlanContext context, CancellationToken ct)
    {
        var postgresChanged = false;
        var leaseRefreshed = false;
        var startDeferred = false;
        var syncChanged = false;
        PostgresObservation? after = null;
        var announce = decision.Steps.Any(s => s is Promote);
        foreach (var step in decision.Steps)
        {
            if (announce && step is ActivateWatchdog or Promote)
            {
                // The lock holder on its way to promote answers /primary before its fence is up (Patroni answers from the
                // lock alone): HAProxy's rise checks start counting. A fence that fails releases the lock, which undoes it.
                context.Status.Note(StatusNote.Promoting);
                announce = false;
            }

            switch (step)
            {
                case Exit exit:
                    return new HaOutcome(decision.Reason, ExitReason: exit.Why);
                case TouchMember:
                    after = await TouchMemberAsync(o, context.LongAction, postgresChanged, leaseRefreshed, ct).ConfigureAwait(false);
                    break;
                case PrePromote or ActivateWatchdog or Promote or StartAsPrimary when !LockFresh():
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
                case SetSynchronousStandbyNames set:
                    syncChanged |= await SetSynchronousStandbyNamesAsync(set, ct).ConfigureAwait(false);
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

        return new HaOutcome(decision.Reason, StartDeferred: startDeferred, Postgres: after, SyncChanged: syncChanged);
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
            case BootstrapStandbyLeader standby:
                await BootstrapStandbyLeaderAsync(standby, o, notes, ct).ConfigureAwait(false);
                return true;
            case CloneFrom clone:
                await CloneAndStartAsync(clone.Upstream, clone.FollowAfter ?? clone.Upstream, ct).ConfigureAwait(false);
                return true;
            case StartAsPrimary:
                var started = await postgres.StartAsync(asPrimary: true, null, ct).ConfigureAwait(false);
                if (started)
                {
                    Routing.Promoted();
                }

                FireIf(started, CallbackAction.OnStart, CallbackRole.Master);
                return true;
            case Promote:
                var promoted = await postgres.PromoteAsync(ct).ConfigureAwait(false);
                if (promoted)
                {
                    // Routing moves as soon as postgres takes writes; the config rewrite and its fsyncs come after.
                    Counters.Promoted();
                    Routing.Promoted();
                    notes.Note(StatusNote.Promoted);
                    await postgres.FinishPromotionAsync(ct).ConfigureAwait(false);
                }

                FireIf(promoted, CallbackAction.OnRoleChange, CallbackRole.Master);
                return true;
            case HaStep.Follow { Upstream: { } upstream, CheckDivergence: true }:
                await RejoinAsync(upstream, o, ct).ConfigureAwait(false);
                return true;
            case HaStep.Follow follow:
                await postgres.FollowAsync(follow.Upstream, ct).ConfigureAwait(false);
                return true;
            case Demote demote:
                await DemoteAsync(demote, o, notes, ct).ConfigureAwait(false);
                return true;
            case CheckpointAhead:
                await CheckpointWhileLeadingAsync(o, ct).ConfigureAwait(false);
                return false;
            case StopPostgres stop:
                notes.Note(StatusNote.StoppingPostgres);
                await postgres.StopAsync(stop.Mode, checkpoint: false, ct).ConfigureAwait(false);
                _callbacks.Fire(CallbackAction.OnStop, o.Postgres.IsInRecovery == false ? CallbackRole.Master : CallbackRole.Replica);
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
            case WriteFailsafe write:
                await WriteFailsafeAsync(write, o, ct).ConfigureAwait(false);
                return false;
            case DeleteSyncState delete:
                await DeleteSyncStateAsync(delete, o, ct).ConfigureAwait(false);
                return false;
            case SyncSlots slots:
                await SyncSlotsAsync(slots, ct).ConfigureAwait(false);
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
            case OpenToClients:
                await postgres.OpenToClientsAsync(ct).ConfigureAwait(false);
                return true;
            case Restart restart:
                await RestartAsync(restart, o, notes, ct).ConfigureAwait(false);
                return true;
            case HaStep.Reinitialize reinit:
                await ReinitializeAsync(reinit, notes, ct).ConfigureAwait(false);
                return true;
            default:
                throw new InvalidOperationException($"no executor for {step.GetType().Name}");
        }
    }
}
