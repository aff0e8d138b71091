using NodeAgent.Cluster;
using NodeAgent.Dcs;
using NodeAgent.Postgres;

namespace NodeAgent.Ha;

/// <summary>The look before each decision: the cluster from the watch cache (or a quorum read), postgres, and the race rivals.</summary>
public sealed partial class HaLoop
{
    private static readonly TimeSpan PeerTimeout = TimeSpan.FromSeconds(2);

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
            var started = time.GetTimestamp();
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
                _counters.DcsFailed();
            }
            finally
            {
                _counters.DcsCallDuration.Observe(time.GetElapsedTime(started));
            }
        }

        if (cluster is not null)
        {
            _dynamic = _resolveDynamic(cluster, _config.Bootstrap.Dcs);
            // Patroni's dcs.reload_config: the etcd client follows ttl and retry_timeout (a new ttl means a new lease,
            // which the next renewal moves the leader key to).
            dcs.ApplyTimings(_dynamic.Ttl, _dynamic.RetryTimeout);
            if (lease.CapTtl(_dynamic.Ttl) && lease.FenceDeadline is { } sooner)
            {
                // Not a renewal: the same renewal with the shorter lease, so the fence and the device fire no later than it.
                watchdog.Keepalive(sooner);
            }

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
        var syncReady = pg is { IsInRecovery: false, IsAcceptingConnections: true }
            ? _syncReadiness.Update(pg.Primary, cluster?.Sync ?? SyncState.Empty, _dynamic.QuorumCommit)
            : _syncReadiness.Reset();
        return new Observation
        {
            SyncReady = syncReady,
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
            SincePrePromoteFailure = executor.PrePromoteFailedAt is { } failed ? time.GetElapsedTime(failed) : null,
            WatchdogHealthy = watchdog.IsHealthy,
            FenceArmed = (watchdog.FenceStatus ?? watchdog.Status).Armed,
            Peers = peerStatuses,
            // Patroni's dcs.failsafe: the key as last read or written (our own writes reach the cache), also while etcd is away.
            FailsafeTopology = FailsafeTopologyToConfirm((cluster ?? dcs.Current)?.Failsafe, executor.LastFailsafeAttempt),
            FailsafeAccepted = failsafe?.Current,
            SinceAgentStart = time.GetElapsedTime(_started),
            Now = time.GetUtcNow(),
        };
    }

    /// <summary>Everyone else who could win the race: members with an api_url that are not tagged nofailover.</summary>
    private List<Member> RaceRivals(ClusterView cluster) =>
        [.. cluster.Members.Where(m => m.Name != _config.Name && !m.Data.NoFailover && !string.IsNullOrEmpty(m.Data.ApiUrl))];

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

    /// <summary>
    /// The members a failsafe round must ask: the key as known, and whoever the last attempt to write it named (it may
    /// have landed unseen). Only ever more members than the key shows, never fewer.
    /// </summary>
    private static IReadOnlyDictionary<string, string>? FailsafeTopologyToConfirm(IReadOnlyDictionary<string, string>? known, IReadOnlyDictionary<string, string>? attempted)
    {
        if (attempted is null || known is null)
        {
            return known ?? attempted;
        }

        var union = new Dictionary<string, string>(known, StringComparer.Ordinal);
        foreach (var (name, url) in attempted)
        {
            union.TryAdd(name, url);
        }

        return union;
    }
}
