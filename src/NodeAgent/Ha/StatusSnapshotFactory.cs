using System.Globalization;
using NodeAgent.Api.Status;
using NodeAgent.Cluster;
using NodeAgent.Metrics;
using NodeAgent.Watchdog;

namespace NodeAgent.Ha;

/// <summary>Turns one cycle's observation and lease into the snapshot the REST API answers from.</summary>
public static class StatusSnapshotFactory
{
    public static StatusSnapshot Build(Observation o, LeaseClock lease, WatchdogState watchdog, LongActionKind? longAction, long nextRunTimestamp, long? dcsLastSeenUnix,
        WatchdogState? fence = null, ScheduledRestart? scheduledRestart = null, AgentCounters? counters = null)
    {
        ArgumentNullException.ThrowIfNull(o);
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentNullException.ThrowIfNull(watchdog);
        var pg = o.Postgres;
        var role = MemberDataFactory.Role(pg);
        // While etcd is out of reach a holder keeps its lock until its lease runs out (LeaseClock); /primary trusts it no longer.
        var holds = lease.Holds && (o.Cluster?.Leader?.Name == o.Me || (o.Cluster is null && lease.TimeLeft > TimeSpan.Zero));
        return new StatusSnapshot
        {
            Scope = o.Config.Scope,
            Name = o.Me,
            // Served under "nodeagent" so agentctl version can tell us from Patroni, whose version we also report.
            AgentVersion = global::NodeAgent.AgentVersion.Current,
            State = MemberDataFactory.StateWord(pg, longAction),
            Role = StandbyLeaderRole.Shown(o, role, holds).ToWire(),
            IsStandbyCluster = o.Dynamic.StandbyCluster is not null,
            HoldsLock = holds,
            // The deadline counts from the last renewal, or a later failsafe confirmation (LeaseClock).
            LockRenewedTimestamp = lease.AnchorTimestamp ?? 0,
            LockValidFor = holds ? lease.ValidFor : null,
            // api.py:get_postgresql_status: the leader kept on POST /failsafe, or a member that accepted one within its validity.
            FailsafeModeIsActive = lease.FailsafeActive || o.FailsafeAccepted is { Fresh: true },
            Ttl = o.Dynamic.Ttl,
            LoopWait = o.Dynamic.LoopWait,
            NextRunTimestamp = nextRunTimestamp,
            // A restart or re-clone takes postgres down: health checks stop routing writes as soon as it starts.
            AcceptsWrites = holds && role == MemberRole.Primary && longAction is not (LongActionKind.Restart or LongActionKind.Reinitialize),
            ClientsHeldOff = pg.ClientHoldoffRemaining is not null,
            Paused = o.Paused,
            ClusterUnlocked = o.Cluster is { IsLocked: false },
            DcsAvailable = o.DcsAvailable,
            XlogLocation = role == MemberRole.Primary ? pg.WalPosition?.Value : null,
            ReceivedLocation = role == MemberRole.Primary ? null : pg.ReceivedLsn?.Value,
            ReplayedLocation = role == MemberRole.Primary ? null : pg.ReplayedLsn?.Value,
            ReplayedTimestamp = pg.ReplayedTimestamp is { } replayed ? PyDateTime.Str(replayed) : null,
            ReplayPaused = pg.ReplayPaused,
            ReplicationState = MemberDataFactory.ReplicationState(pg),
            ClusterLastLsn = o.Cluster?.LastLsn ?? 0,
            Timeline = pg.Timeline,
            ServerVersion = pg.ServerVersion,
            PostmasterStartTime = pg.PostmasterStartTime is { } started ? PyDateTime.Str(started) : null,
            PendingRestart = pg.IsRunning && pg.PendingRestart,
            // api.py:get_postgresql_status: a replica the sync key names, in synchronous mode.
            SyncStandby = role == MemberRole.Replica && o.Dynamic.SynchronousMode && !o.Dynamic.QuorumCommit && o.Cluster?.Sync.IsStandby(o.Me) == true,
            QuorumStandby = role == MemberRole.Replica && o.Dynamic is { SynchronousMode: true, QuorumCommit: true } && o.Cluster?.Sync.IsStandby(o.Me) == true,
            ScheduledRestart = scheduledRestart is { } s
                ? new ScheduledRestartStatus(PyDateTime.IsoFormat(s.At), s.Filters.RestartPending, s.Filters.Role, s.Filters.PostgresVersion, s.TimeoutSeconds)
                : null,
            SystemIdentifier = pg.SystemIdentifier,
            DcsLastSeen = dcsLastSeenUnix,
            Tags = MemberDataFactory.Tags(o.Config.Tags) ?? new Dictionary<string, object?>(),
            Replication = [.. pg.Replication.Select(r => new ReplicationRow(r.UseName, r.ApplicationName, r.ClientAddr, r.State, r.SyncState, r.SyncPriority))],
            Watchdog = new WatchdogStatus(watchdog.Mode, watchdog.Device, watchdog.Armed, watchdog.TimeoutSeconds, watchdog.LastKeepalive?.ToString("O", CultureInfo.InvariantCulture)),
            WatchdogFailed = watchdog.Failed,
            Fence = fence is null ? null : new WatchdogStatus(fence.Mode, fence.Device, fence.Armed, fence.TimeoutSeconds, fence.LastKeepalive?.ToString("O", CultureInfo.InvariantCulture)),
            HaLoopDurationSeconds = counters?.HaCycleDuration.Last,
            DcsCallLatencySeconds = counters?.DcsCallDuration.Last,
            Metrics = counters?.Snapshot() ?? AgentMetrics.None,
        };
    }
}
