using Npgsql;

namespace NodeAgent.Postgres;

internal sealed partial class PostgresInstance
{
    public async Task<PostgresObservation> ObserveAsync(CancellationToken cancellationToken)
    {
        var observation = await ObserveProcessAndSqlAsync(cancellationToken);
        return observation with { ClientHoldoffRemaining = ClientHoldoffRemaining(), BasebackupProgress = _basebackupProgress };
    }

    private async Task<PostgresObservation> ObserveProcessAndSqlAsync(CancellationToken cancellationToken)
    {
        var (state, reason) = _dataDir.Check();
        InvalidReason = reason;
        var running = state == DataDirState.Initialized && _postmaster.TryAdopt();
        var crashed = _postmaster.TakeCrashed();
        var observation = new PostgresObservation { DataDir = state, IsRunning = running, CrashedSinceLastObservation = crashed };
        if (running)
        {
            var live = await ObserveSqlAsync(observation, cancellationToken);
            if (live is not null)
            {
                return live;
            }
        }

        if (state != DataDirState.Initialized)
        {
            return observation;
        }

        // Down (or not answering): what pg_control says is all we know.
        var control = await ReadControlDataAsync(cancellationToken);
        var standby = running && File.Exists(_paths.StandbySignal);
        var starting = running ? PostmasterPidFile.TryRead(_paths.DataDir) : null;
        return observation with
        {
            StartBlocked = _startBlocked,
            SystemIdentifier = control?.SystemIdentifier,
            ClusterState = control?.ClusterState,
            Timeline = control?.Timeline,
            // Running but not answering yet (crash recovery, or a replica waiting for WAL to become consistent).
            StartingSince = starting is { StartEpoch: > 0, Status: "starting" } pid ? DateTimeOffset.FromUnixTimeSeconds(pid.StartEpoch) : null,
            // A replica still starting follows whom its config says: re-pointing it every cycle would reload for nothing.
            FollowingMember = running && standby ? _upstreamMember ?? _files.ReadUpstreamMember() : null,
        };
    }

    /// <summary>
    /// Without a WAL receiver (its leader just died) the SQL can only say the last restartpoint's timeline, which lags a
    /// followed promotion: the replica would look diverged from the new leader and be stopped for a divergence check
    /// it cannot run while the leader is gone. A running replica never goes back a timeline, so the newest one its
    /// receiver streamed on since this postmaster started still holds.
    /// </summary>
    private int? ReplicaTimeline(DateTimeOffset? postmasterStarted, int? reported)
    {
        if (_streamedTimeline is { } seen && seen.Started == postmasterStarted && (reported is null || seen.Timeline > reported))
        {
            return seen.Timeline;
        }

        _streamedTimeline = reported is { } tl ? (postmasterStarted, tl) : null;
        return reported;
    }

    public Task<bool> WaitAcceptingAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
        _postmaster.WaitReadyAsync(timeout, cancellationToken);

    private async Task<PostgresObservation?> ObserveSqlAsync(PostgresObservation observation, CancellationToken cancellationToken)
    {
        try
        {
            var s = await _sql.StatusAsync(SqlBudget, cancellationToken);
            if (!s.InRecovery)
            {
                RetryCheckpointAfterPromote();
                // Remembered until a rejoin check clears it: WAL written now may never reach the next leader.
                _wasPrimary = true;
            }

            var replication = s.InRecovery ? PrimaryReplication.None : await _sql.ReplicationAsync(SqlBudget, _writtenSynchronousStandbyNames, cancellationToken);
            var timeline = s.InRecovery ? ReplicaTimeline(s.PostmasterStartTime, s.Timeline) : s.Timeline;
            var received = s.ReceivedLsn;
            var replayed = s.ReplayedLsn;
            var position = s.CurrentLsn ?? (received is null ? replayed : replayed is null ? received : Cluster.Lsn.Max(received.Value, replayed.Value));
            return observation with
            {
                IsAcceptingConnections = true,
                IsInRecovery = s.InRecovery,
                SystemIdentifier = s.SystemIdentifier,
                Timeline = timeline,
                WalPosition = position,
                ReceivedLsn = received,
                ReplayedLsn = replayed,
                ReplayedTimestamp = s.ReplayedTimestamp,
                ReplayPaused = s.ReplayPaused,
                ReceiverState = s.ReceiverState,
                HasRestoreCommand = s.HasRestoreCommand,
                FollowingMember = s.InRecovery ? _upstreamMember ?? _files.ReadUpstreamMember() : null,
                ServerVersion = s.ServerVersion,
                PostmasterStartTime = s.PostmasterStartTime,
                // pg_settings knows settings changed in the file; the command line options only we know.
                PendingRestart = s.PendingRestart || RestartPending(),
                ClusterState = s.InRecovery ? "in archive recovery" : "in production",
                Primary = replication,
                CheckpointAfterPromotePending = !s.InRecovery && CheckpointAfterPromotePending,
            };
        }
        catch (Exception ex) when (ex is TimeoutException or NpgsqlException or InvalidOperationException)
        {
            LogSqlUnavailable(ex.Message);
            return null;
        }
    }
}
