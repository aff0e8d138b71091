namespace NodeAgent.Ha;

/// <summary>
/// The scheduler (Patroni's __main__.py:run): next_run += loop_wait, napping in the DCS watch; earlier for a long
/// action that ended, a scheduled restart, a lock holder retrying etcd, or a starting postgres.
/// </summary>
public sealed partial class HaLoop
{
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

            // A long action that ended after this cycle looked at it: the next cycle is due now. Its end also signals the
            // wake-up, but the next cycle must not depend on that signal alone, or a bootstrap's follow-up (the
            // replicas' slots) can wait a whole loop_wait.
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
                _counters.LoopOverrun();
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

            // The client hold-off after a switchover ends on time, not a loop_wait later.
            if (UntilClientHoldoffEnds() is { } holdoff && holdoff < nap)
            {
                nap = holdoff;
                early = true;
            }

            // A lock holder that could not reach etcd retries soon, and runs a cycle at its demotion deadline at the latest.
            if (RenewRetryNap() is { } retry && retry < nap)
            {
                nap = retry;
                early = true;
            }

            // Postgres is starting (a replica waiting to become consistent, a primary in recovery): look again soon,
            // so the member key says "running" within a second of it, not a loop_wait later. Likewise after a change
            // of synchronous_standby_names: the standbys it names go into the sync key once verified (Patroni waits
            // 2 s inside its cycle for that).
            if ((PostgresStarting || _syncSettling) && nap > StartingPollInterval)
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

    private static readonly TimeSpan StartingPollInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan RenewRetryInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MinimumNap = TimeSpan.FromMilliseconds(1);

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
    // A little late rather than early, as a scheduled restart: the decision ends the hold-off once it is due.
    private TimeSpan? UntilClientHoldoffEnds() =>
        LastPostgres?.ClientHoldoffRemaining is { } left && left > TimeSpan.Zero ? left + TimeSpan.FromMilliseconds(20) : null;

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

    /// <summary>Naps until the nap is over (false), or the DCS changed, a wake-up came or postgres became ready (true).</summary>
    private async Task<bool> NapAsync(TimeSpan nap, CancellationToken ct)
    {
        // Task.Delay ends a nap under a millisecond at once, and a cycle that cannot reach etcd takes no time: the loop
        // would spin until the clock happened to pass the lease's last instant.
        nap = nap < MinimumNap ? MinimumNap : nap;
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        // Every wait runs on the loop's clock, so a simulated clock drives this very scheduler.
        var over = Task.Delay(nap, time, cts.Token);
        var change = dcs.WaitForChangeAsync(nap, cts.Token);
        var woken = _wakeup.Task;
        // A starting postgres that begins to accept connections is news too: a replica reports "running" (and
        // HAProxy routes to it) within a poll of that moment instead of the next look.
        var ready = AwaitingReady ? postgres.WaitAcceptingAsync(nap, cts.Token) : null;
        var first = ready is null ? await Task.WhenAny(over, change, woken).ConfigureAwait(false) : await Task.WhenAny(over, change, woken, ready).ConfigureAwait(false);
        if (ready is not null && first == ready)
        {
            if (ready.IsCompletedSuccessfully && ready.Result)
            {
                Stop(cts);
                ct.ThrowIfCancellationRequested();
                return true;
            }

            // Not ready (it exited, or this postmaster is not one we can wait on): the rest of the nap as usual.
            first = await Task.WhenAny(over, change, woken).ConfigureAwait(false);
        }

        Stop(cts);
        ct.ThrowIfCancellationRequested();
        _wakeup.Consume();
        return first == woken || (first == change && change.IsCompletedSuccessfully);
    }

    // Synchronous on purpose: the losing waits end on this thread, not on the thread pool (CancelAsync), which keeps a
    // simulated run on its one thread.
#pragma warning disable CA1849
    private static void Stop(CancellationTokenSource cts) => cts.Cancel();
#pragma warning restore CA1849
}
