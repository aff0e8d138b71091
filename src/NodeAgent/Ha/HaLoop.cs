using Microsoft.Extensions.Logging;
using NodeAgent.Api.Status;
using NodeAgent.Cluster;
using NodeAgent.Configuration;
using NodeAgent.Dcs;
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
    Func<ClusterView, DynamicConfig, DynamicConfig>? resolveDynamic = null) : IDisposable
{
    private static readonly TimeSpan PeerTimeout = TimeSpan.FromSeconds(2);

    private readonly Func<ClusterView, DynamicConfig, DynamicConfig> _resolveDynamic = resolveDynamic ?? DynamicConfigResolver.Resolve;
    private readonly SemaphoreSlim _wakeup = new(0, 1);
    private AgentConfig _config = config;
    private AgentConfig? _reloaded;
    private DynamicConfig _dynamic = config.Bootstrap.Dcs;
    private long _appliedConfigRevision = -1;
    private bool _dcsFailed;
    private long? _lastCycleEnd;
    private long? _lastFullRead;
    private long _nextRun;
    private readonly LongActionRunner _longAction = new();
    private readonly StatusPublisher _status = new(board);

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
    public void Wakeup()
    {
        if (_wakeup.CurrentCount == 0)
        {
            try
            {
                _wakeup.Release();
            }
            catch (SemaphoreFullException)
            {
                // Someone else woke it in between; one wake-up is enough.
            }
        }
    }

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
        _longAction.Saw(observation.LongActionInProgress);
        _status.Publish(StatusSnapshotFactory.Build(observation, lease, watchdog.Status, _longAction.Kind, _nextRun, DcsLastSeenUnix(),
            watchdog.FenceStatus, executor.Requests.Scheduled));
        _lastCycleEnd = time.GetTimestamp();
        return outcome;
    }

    /// <summary>The scheduler: next_run += loop_wait, napping in the DCS watch so a change wakes us early.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        _nextRun = time.GetTimestamp();
        while (!cancellationToken.IsCancellationRequested && ExitReason is null)
        {
            try
            {
                await RunCycleAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogCycleFailed(logger, e);
            }

            // A long action that ended after this cycle looked at it: the next cycle is due now (its end also
            // signals the wake-up, but a cycle that saw it running must not wait loop_wait on that signal alone:
            // bench run9 saw a leader create its replicas' slots only 10 s after its bootstrap ended).
            if (_longAction.EndedUnseen())
            {
                _nextRun = time.GetTimestamp();
                continue;
            }

            _nextRun += (long)(_dynamic.LoopWait * (double)time.TimestampFrequency);
            var nap = time.GetElapsedTime(time.GetTimestamp(), _nextRun);
            if (nap <= TimeSpan.Zero)
            {
                LogLoopTimeExceeded(logger);
                _nextRun = time.GetTimestamp();
                continue;
            }

            // A restart scheduled before the next cycle is due: wake up for it (Patroni sleeps inside its cycle instead).
            var untilRestart = UntilScheduledRestart();
            var early = untilRestart < nap;
            if (early)
            {
                nap = untilRestart!.Value;
            }

            // A lock holder that could not reach etcd retries soon, and runs a cycle at its demotion deadline at the latest.
            if (RenewRetryNap() is { } retry && retry < nap)
            {
                nap = retry;
                early = true;
            }

            // Postgres is starting (a replica waiting to become consistent, a primary in recovery): look again soon,
            // so the member key says "running" within a second of it, not a loop_wait later.
            if (PostgresStarting && nap > StartingPollInterval)
            {
                nap = StartingPollInterval;
                early = true;
            }

            if (await NapAsync(nap, cancellationToken).ConfigureAwait(false) || early)
            {
                _nextRun = time.GetTimestamp();
            }
        }
    }

    /// <summary>
    /// Agent shutdown (§2.12, HA issue §3 item 7): the leader stops postgres fast with a checkpoint and then
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
        lease.Lost();
        _status.Note(StatusNote.ShuttingDown);
        await postgres.StopAsync(StopMode.Fast, checkpoint: holdsLock, cancellationToken).ConfigureAwait(false);
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

    private async Task<Observation> ObserveAsync(bool stalled, TimeSpan sincePrevious, CancellationToken ct)
    {
        // The watch keeps dcs.Current up to date, so a normal cycle reads nothing from etcd. A quorum read
        // still happens after a stall, while the cluster is unlocked, and every ttl/2 as a safety net
        // against a watch stream stuck on a frozen etcd member (it would never report an error).
        var cluster = dcs.Current;
        var fullReadDue = stalled || cluster is null || !cluster.IsLocked || _lastFullRead is not { } last
            || time.GetElapsedTime(last) >= TimeSpan.FromSeconds(Math.Max(1, _dynamic.Ttl / 2.0));
        if (fullReadDue)
        {
            cluster = null;
            try
            {
                using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
                deadline.CancelAfter(lease.CallBudget(_dynamic.RetryTimeout));
                cluster = await dcs.ReadClusterAsync(deadline.Token).ConfigureAwait(false);
                _lastFullRead = time.GetTimestamp();
            }
            catch (Exception e) when (e is DcsUnavailableException or OperationCanceledException && !ct.IsCancellationRequested)
            {
                LogDcsReadFailed(logger, e.Message);
            }
        }

        if (cluster is not null)
        {
            _dynamic = _resolveDynamic(cluster, _config.Bootstrap.Dcs);
            // Patroni's dcs.reload_config: the etcd client follows ttl and retry_timeout (a new ttl means a new lease,
            // which the next renewal moves the leader key to).
            dcs.ApplyTimings(_dynamic.Ttl, _dynamic.RetryTimeout);
            if (cluster.ConfigModRevision != _appliedConfigRevision)
            {
                watchdog.Reconfigure(_dynamic.Ttl, _dynamic.LoopWait);
                await postgres.ApplyDynamicConfigAsync(_dynamic, ct).ConfigureAwait(false);
                _appliedConfigRevision = cluster.ConfigModRevision;
            }
        }

        var longAction = _longAction.InProgress;
        var pg = await postgres.ObserveAsync(ct).ConfigureAwait(false);
        var peerStatuses = cluster is { IsLocked: false } && longAction is null && pg is { IsRunning: true, DataDir: DataDirState.Initialized }
            ? await peers.GetStatusesAsync(RaceRivals(cluster), Min(PeerTimeout, _dynamic.RetryTimeout), ct).ConfigureAwait(false)
            : [];
        return new Observation
        {
            Me = _config.Name,
            Cluster = cluster,
            DcsAvailable = cluster is not null,
            Postgres = pg,
            Config = _config,
            Dynamic = _dynamic,
            BelievesHoldsLock = lease.Holds,
            LockTimeLeft = lease.TimeLeft,
            Stalled = stalled,
            SincePreviousCycle = sincePrevious,
            LongActionInProgress = longAction,
            // Read after the look at postgres, which sets it when postgres accepts writes.
            WasPrimarySinceRejoinCheck = postgres.WasPrimarySinceRejoinCheck,
            Request = executor.Requests.Pending,
            ScheduledRestart = executor.Requests.Scheduled,
            RejoinPending = executor.RejoinPending,
            WatchdogHealthy = watchdog.IsHealthy,
            Peers = peerStatuses,
            Now = time.GetUtcNow(),
        };
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

    private static readonly TimeSpan StartingPollInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan RenewRetryInterval = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How soon a lock holder must run again: within a second when the last cycle could not reach etcd (the lease is
    /// renewed again as soon as etcd answers), and never later than its demotion deadline. Null: not a lock holder.
    /// </summary>
    private TimeSpan? RenewRetryNap()
    {
        // Past the deadline the cycle that saw it has decided already (demoted, or there was nothing writable to stop).
        if (lease.TimeLeft is not { } left || left <= TimeSpan.Zero)
        {
            return null;
        }

        return _dcsFailed && left > RenewRetryInterval ? RenewRetryInterval : left;
    }

    /// <summary>The last cycle saw postgres running but not accepting connections yet.</summary>
    private bool PostgresStarting => LastPostgres is { IsRunning: true, IsAcceptingConnections: false };

    /// <summary>
    /// Starting, and postmaster.pid still says so: worth waiting on it to say ready. One that already says ready
    /// but refuses our SQL would end that wait at once, so it gets the 1 s look only.
    /// </summary>
    private bool AwaitingReady => PostgresStarting && LastPostgres!.StartingSince is not null;

    /// <summary>Wall-clock time until the scheduled restart, if one is due in the future.</summary>
    private TimeSpan? UntilScheduledRestart()
    {
        if (executor.Requests.Scheduled is not { } scheduled)
        {
            return null;
        }

        // A little late rather than early: the decision runs the restart once its time has come.
        var until = scheduled.At - time.GetUtcNow() + TimeSpan.FromMilliseconds(20);
        return until > TimeSpan.Zero ? until : null;
    }

    /// <summary>Everyone else who could win the race: members with an api_url that are not tagged nofailover.</summary>
    private List<Member> RaceRivals(ClusterView cluster) =>
        [.. cluster.Members.Where(m => m.Name != _config.Name && !m.Data.NoFailover && !string.IsNullOrEmpty(m.Data.ApiUrl))];

    private async Task<bool> NapAsync(TimeSpan nap, CancellationToken ct)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var change = dcs.WaitForChangeAsync(nap, cts.Token);
        var woken = _wakeup.WaitAsync(nap, cts.Token);
        // A starting postgres that begins to accept connections is news too: a replica reports "running" (and
        // HAProxy routes to it) within a poll of that moment instead of the next look.
        var ready = AwaitingReady ? postgres.WaitAcceptingAsync(nap, cts.Token) : null;
        var first = ready is null ? await Task.WhenAny(change, woken).ConfigureAwait(false) : await Task.WhenAny(change, woken, ready).ConfigureAwait(false);
        if (ready is not null && first == ready)
        {
            if (ready.IsCompletedSuccessfully && ready.Result)
            {
                await cts.CancelAsync().ConfigureAwait(false);
                ct.ThrowIfCancellationRequested();
                return true;
            }

            // Not ready (it exited, or this postmaster is not one we can wait on): the rest of the nap as usual.
            first = await Task.WhenAny(change, woken).ConfigureAwait(false);
        }

        await cts.CancelAsync().ConfigureAwait(false);
        ct.ThrowIfCancellationRequested();
        return first == woken ? woken.IsCompletedSuccessfully && woken.Result : first.IsCompletedSuccessfully;
    }

    private long? DcsLastSeenUnix()
    {
        var last = dcs.LastContactTimestamp;
        if (last == 0)
        {
            return null;
        }

        return (time.GetUtcNow() - time.GetElapsedTime(last)).ToUnixTimeSeconds();
    }

    private static TimeSpan Min(TimeSpan a, int seconds) => seconds > 0 && TimeSpan.FromSeconds(seconds) < a ? TimeSpan.FromSeconds(seconds) : a;
}
