using Microsoft.Extensions.Logging;
using NodeAgent.Api.Status;
using NodeAgent.Cluster;
using NodeAgent.Configuration;
using NodeAgent.Dcs;
using NodeAgent.Metrics;
using NodeAgent.Postgres;
using NodeAgent.Watchdog;

namespace NodeAgent.Ha;

/// <summary>
/// Observe, decide, execute, once per loop_wait (Patroni's __main__.py:run + ha.py:run_cycle).
/// <see cref="RunCycleAsync"/> is one cycle (tests drive it directly); <see cref="RunAsync"/> schedules them.
/// Long plans (bootstrap, clone, start) run in the background while later cycles keep the lock alive.
/// </summary>
public sealed partial class HaLoop(
    AgentConfig config,
    IDcs dcs,
    IPostgresInstance postgres,
    IWatchdog watchdog,
    IPeerStatusClient peers,
    HaPlanExecutor executor,
    LeaseClock lease,
    StatusBoard board,
    TimeProvider time,
    ILogger<HaLoop> logger,
    Func<ClusterView, DynamicConfig, DynamicConfig>? resolveDynamic = null,
    AgentCounters? counters = null,
    FailsafeAcceptance? failsafe = null) : IDisposable
{
    // The executor's by default: one set of counts however the two were composed.
    private readonly AgentCounters _counters = counters ?? executor.Counters;

    private readonly Func<ClusterView, DynamicConfig, DynamicConfig> _resolveDynamic = resolveDynamic ?? DynamicConfigResolver.Resolve;
    private readonly WakeSignal _wakeup = new(time);
    private AgentConfig _config = config;
    private AgentConfig? _reloaded;
    private DynamicConfig _dynamic = config.Bootstrap.Dcs;
    private long _appliedConfigRevision = -1;
    private bool _dcsFailed;
    private long? _lastCycleEnd;
    private long? _lastFullRead;
    private long _nextRun;
    private readonly long _started = time.GetTimestamp();
    private readonly LongActionRunner _longAction = new();
    private readonly StatusPublisher _status = new(board, lease);
    private readonly Sync.SyncReadiness _syncReadiness = new();
    private bool _syncSettling;

    public void Dispose()
    {
        _wakeup.Dispose();
        _longAction.Dispose();
    }

    /// <summary>The postgres observation of the last cycle (e.g. the postmaster start time a scheduled restart is meant for).</summary>
    public PostgresObservation? LastPostgres { get; private set; }

    /// <summary>A bootstrap, clone, start or restart is running: the last observation may describe a postmaster about to be replaced.</summary>
    public bool LongActionRunning => _longAction.IsRunning;

    /// <summary>The dynamic config in force (last one read from the DCS).</summary>
    public DynamicConfig Dynamic => _dynamic;

    /// <summary>Set when a decision asked the agent to stop (e.g. system ID mismatch).</summary>
    public string? ExitReason { get; private set; }

    /// <summary>Runs the next cycle now instead of after the nap (REST commands, signals).</summary>
    public void Wakeup() => _wakeup.Set();

    /// <summary>
    /// SIGHUP: the re-read config file is applied at the start of the next cycle (tags, postgresql
    /// parameters and pg_hba; postgres is reloaded when its files changed). Name and scope cannot change.
    /// </summary>
    public void Reload(AgentConfig reloaded)
    {
        _reloaded = reloaded;
        Wakeup();
    }

    public async Task<HaOutcome> RunCycleAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _reloaded, null) is { } reloaded)
        {
            _config = reloaded with { Name = _config.Name, Scope = _config.Scope, Namespace = _config.Namespace };
            await postgres.ReloadLocalConfigAsync(_config, cancellationToken).ConfigureAwait(false);
        }

        var start = time.GetTimestamp();
        var sincePrevious = _lastCycleEnd is { } end ? time.GetElapsedTime(end, start) : TimeSpan.Zero;
        var stalled = _lastCycleEnd is not null && sincePrevious >= LeaseClock.DemoteAfter(lease.Holds ? lease.GrantedTtl : _dynamic.Ttl);
        if (stalled)
        {
            // After a stall the lock is ours only after a fresh compare-renew, never on memory.
            lease.Lost();
            LogStalled(logger, sincePrevious.TotalSeconds);
        }

        var observation = await ObserveAsync(stalled, sincePrevious, cancellationToken).ConfigureAwait(false);
        var decision = HaDecider.Decide(observation);
        var outcome = await ExecuteAsync(decision, observation, cancellationToken).ConfigureAwait(false);
        _dcsFailed = outcome.DcsFailed || !observation.DcsAvailable;
        _syncSettling = outcome.SyncChanged;
        if (outcome.DcsFailed && observation.DcsAvailable)
        {
            // Decided again as "DCS not accessible", on the lease as it stands after the failed calls.
            observation = observation with { Cluster = null, DcsAvailable = false, BelievesHoldsLock = lease.Holds, LockTimeLeft = lease.TimeLeft };
            outcome = await ExecuteAsync(HaDecider.Decide(observation), observation, cancellationToken).ConfigureAwait(false);
        }

        LogCycle(logger, outcome.Reason);
        ExitReason ??= outcome.ExitReason;
        if (outcome.Postgres is { } changed)
        {
            // The status then shows what the cycle did (promoted, started, stopped), not what it found: HAProxy
            // routes writes to a new primary at its next check, not after our next cycle. The cluster view comes
            // along from the watch cache, which by now holds a lock this cycle took.
            observation = observation with { Postgres = changed, Cluster = observation.DcsAvailable ? dcs.Current ?? observation.Cluster : observation.Cluster };
        }

        LastPostgres = observation.Postgres;
        postgres.RelayHeldOffClientsTo(HeldOffRelayTargets.NewPrimary(observation.DcsAvailable ? observation.Cluster : null, _config.Name));
        executor.Routing.Confirm(lease.Holds && observation.Postgres is { IsRunning: true, IsInRecovery: false });
        _longAction.Saw(observation.LongActionInProgress);
        _counters.HaCycleDuration.Observe(time.GetElapsedTime(start));
        _status.Publish(StatusSnapshotFactory.Build(observation, lease, watchdog.Status, _longAction.Kind, _nextRun, DcsLastSeenUnix(),
            watchdog.FenceStatus, executor.Requests.Scheduled, _counters));
        _lastCycleEnd = time.GetTimestamp();
        return outcome;
    }

    /// <summary>
    /// Agent shutdown (<c>ha.py:shutdown</c>): the leader stops postgres fast with a checkpoint and then
    /// deletes the leader key; a replica stops postgres. In pause neither happens.
    /// </summary>
    public async Task ShutdownAsync(CancellationToken cancellationToken)
    {
        if (_dynamic.Pause)
        {
            watchdog.Disable();
            LogShutdownPaused(logger);
            return;
        }

        var holdsLock = lease.Holds;
        if (holdsLock)
        {
            executor.Routing.Withdraw();
        }

        lease.Lost();
        _status.Note(StatusNote.ShuttingDown);
        if (holdsLock || LastPostgres is not { } last)
        {
            await postgres.StopAsync(StopMode.Fast, checkpoint: holdsLock, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            // ha.py:shutdown: a synchronous standby is let go by the leader before its postgres stops.
            await executor.WhileNotSyncStandbyAsync(_config, _dynamic, last, async () =>
            {
                await postgres.StopAsync(StopMode.Fast, checkpoint: false, cancellationToken).ConfigureAwait(false);
                return true;
            }, cancellationToken).ConfigureAwait(false);
        }
        watchdog.Disable();
        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(TimeSpan.FromSeconds(Math.Max(1, _dynamic.RetryTimeout)));
            if (holdsLock)
            {
                await dcs.DeleteLeaderAsync(deadline.Token).ConfigureAwait(false);
            }

            var pg = await postgres.ObserveAsync(deadline.Token).ConfigureAwait(false);
            await dcs.TouchMemberAsync(MemberDataFactory.Build(_config, pg, null, paused: false), deadline.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is DcsUnavailableException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            LogShutdownDcsFailed(logger, e.Message);
        }

        LogShutdown(logger, holdsLock);
    }

    private async Task<HaOutcome> ExecuteAsync(HaDecision decision, Observation observation, CancellationToken ct)
    {
        if (decision.Has<HaStep.CancelLongAction>() && !await CancelLongActionAsync().ConfigureAwait(false))
        {
            return new HaOutcome($"waiting for the cancelled {observation.LongActionInProgress?.Name() ?? "action"} to stop");
        }

        var kind = decision.LongAction;
        if (kind is null || _longAction.IsRunning)
        {
            return await executor.ExecuteAsync(decision, observation, PlanContext, ct).ConfigureAwait(false);
        }

        // A long plan runs in the background; later cycles see it as in progress and keep renewing the lock.
        var running = _longAction.Start(kind.Value, t => executor.ExecuteAsync(decision, observation, PlanContext, t), ct);
        if (running.IsCompleted)
        {
            return await running.ConfigureAwait(false);
        }

        // Like Patroni's AsyncExecutor: the end of a promote/start/clone wakes the loop, so health answers
        // (e.g. /master for a restarted primary) change now, not a loop_wait later.
        _ = running.ContinueWith(
            finished =>
            {
                if (finished.Exception is { } failed)
                {
                    LogLongActionFailed(logger, decision.Reason, failed.GetBaseException());
                }

                // A start put off (the leader is unreachable for the divergence check) changed nothing: waking now
                // would decide the same start again at once, a busy loop until the leader answers.
                if (finished.IsDeferredStart())
                {
                    return;
                }

                Wakeup();
            },
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return new HaOutcome(decision.Reason);
    }

    /// <summary>Reinitialize with force: the running action is cancelled first.</summary>
    private async Task<bool> CancelLongActionAsync()
    {
        if (!_longAction.IsRunning)
        {
            return true;
        }

        LogCancellingLongAction(logger);
        return await _longAction.CancelAsync(time).ConfigureAwait(false);
    }

    /// <summary>The running long action and the early status port, lent to the executor for one plan.</summary>
    private PlanContext PlanContext => new(() => _longAction.Kind, _status);
}
