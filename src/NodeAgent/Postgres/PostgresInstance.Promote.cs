using Microsoft.Extensions.Logging;

namespace NodeAgent.Postgres;

/// <summary>The promotion: pg_promote(), the wait until postgres left recovery, and the files rewritten after it.</summary>
internal sealed partial class PostgresInstance
{
    private static readonly TimeSpan PromoteTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan PromoteFastPollInterval = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan PromoteFastPollFor = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan PromoteSlowPollInterval = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan PromoteResendEvery = TimeSpan.FromMilliseconds(200);

    public async Task<bool> PromoteAsync(CancellationToken cancellationToken)
    {
        await EndClientHoldoffBeforePromoteAsync(cancellationToken);
        // A replica start returns once postgres listens; pg_promote() needs it to answer SQL.
        if (!await _postmaster.WaitReadyAsync(PgCtlTimeout, cancellationToken))
        {
            LogNotReady(PgCtlTimeout.TotalSeconds);
            return false;
        }

        var promoted = await _sql.RequestPromoteAsync(SqlBudget, cancellationToken) && await WaitOutOfRecoveryAsync(cancellationToken);
        if (promoted)
        {
            _upstreamMember = null;
            _promotionFilesPending = true;
        }

        return promoted;
    }

    public async Task FinishPromotionAsync(CancellationToken cancellationToken)
    {
        if (!_promotionFilesPending)
        {
            return;
        }

        // postgres removed standby.signal itself; the old upstream goes, the lines only a restart drops stay.
        _promotionFilesPending = false;
        WriteConfig(RecoveryParameters.KeptAfterPromotion(_files.ReadRecoverySection()), null);
        _files.WriteStandbySignal(false);
        await ReloadSignalAsync(cancellationToken, announce: false);
        StartCheckpointAfterPromote();
    }

    /// <summary>
    /// pg_promote(wait =&gt; true) looks every 100 ms; the new primary takes writes a few ms after the signal, and
    /// every ms of that is client downtime, so look every 10 ms for the first half second (on the kept connection),
    /// then every 100 ms as pg_promote does (same 60 s limit).
    /// A request that finds the startup process between its WAL receiver's start and failure is acted on only after
    /// a wal_retrieve_retry_interval sleep (5 s by default) that nothing wakes: the request's own wake-up was used up
    /// before that sleep began. So the request is sent again every 200 ms until postgres left recovery; any one after
    /// the first wake-up ends that sleep. A request postgres no longer needs costs a signal and a file we remove.
    /// </summary>
    private async Task<bool> WaitOutOfRecoveryAsync(CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        var resent = 0;
        try
        {
            while (await _sql.IsInRecoveryAsync(SqlBudget, cancellationToken))
            {
                var elapsed = _time.GetElapsedTime(started);
                if (elapsed >= PromoteTimeout)
                {
                    return false;
                }

                if (elapsed >= PromoteResendEvery * (resent + 1))
                {
                    resent++;
                    if (resent == 1)
                    {
                        LogPromoteResent(elapsed.TotalSeconds);
                    }

                    try
                    {
                        await _sql.RequestPromoteAsync(SqlBudget, cancellationToken);
                    }
                    catch (Npgsql.PostgresException ex) when (ex.SqlState == Npgsql.PostgresErrorCodes.ObjectNotInPrerequisiteState)
                    {
                        // "recovery is not in progress": it left recovery since the last look.
                    }
                }

                await Task.Delay(elapsed < PromoteFastPollFor ? PromoteFastPollInterval : PromoteSlowPollInterval, _time, cancellationToken);
            }

            return true;
        }
        finally
        {
            if (resent > 0)
            {
                // A request the startup process no longer needed, or a promotion given up, leaves its signal file
                // behind, and the next signal to the postmaster would act on it.
                File.Delete(Path.Combine(_paths.DataDir, "promote"));
            }
        }
    }

    [LoggerMessage(EventId = 2018, Level = LogLevel.Information, Message = "postgres still in recovery {Seconds:F1} s after the promote request: sending it again every 200 ms until it leaves recovery")]
    private partial void LogPromoteResent(double seconds);
}
