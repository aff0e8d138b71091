using NodeAgent.Cluster;

namespace NodeAgent.Postgres;

/// <summary>What the data directory looks like on disk.</summary>
public enum DataDirState
{
    /// <summary>Missing or empty: bootstrap or clone.</summary>
    Empty,
    Initialized,
    /// <summary>Present but not usable: wrong owner/mode, no PG_VERSION, version mismatch.</summary>
    Invalid,
}

/// <summary>How postgres is to be stopped; mapped to signals in one place (SIGTERM/SIGINT/SIGQUIT).</summary>
public enum StopMode
{
    Smart,
    Fast,
    Immediate,
}

/// <summary>How a restart (POST /restart) ended.</summary>
public enum RestartOutcome
{
    /// <summary>Stopped and started again; accepting connections.</summary>
    Restarted,
    /// <summary>Started, but not accepting connections within the timeout.</summary>
    StillStarting,
    /// <summary>Did not stop, or did not start.</summary>
    Failed,
}

/// <summary>
/// One observation of the local postgres, taken at the start of an HA cycle. Immutable.
/// Fields are null when unknown (postgres down or the query timed out).
/// </summary>
public sealed record PostgresObservation
{
    public required DataDirState DataDir { get; init; }
    /// <summary>The postmaster is our live child (or an adopted one whose postmaster.pid matched).</summary>
    public required bool IsRunning { get; init; }
    /// <summary>Accepting connections (after startup/recovery finished enough to answer SQL).</summary>
    public bool IsAcceptingConnections { get; init; }
    public bool? IsInRecovery { get; init; }
    public string? SystemIdentifier { get; init; }
    public int? Timeline { get; init; }
    /// <summary>Primary: pg_current_wal_lsn(). Replica: max(received, replayed).</summary>
    public Lsn? WalPosition { get; init; }
    public Lsn? ReceivedLsn { get; init; }
    public Lsn? ReplayedLsn { get; init; }
    public DateTimeOffset? ReplayedTimestamp { get; init; }
    public bool? ReplayPaused { get; init; }
    /// <summary>WAL receiver state on a replica, e.g. "streaming".</summary>
    public string? ReceiverState { get; init; }
    /// <summary>restore_command is set: a replica whose receiver is not streaming replays from the archive.</summary>
    public bool HasRestoreCommand { get; init; }
    /// <summary>Member name this replica's primary_conninfo points at (from our own recovery config), if any.</summary>
    public string? FollowingMember { get; init; }
    /// <summary>PG server_version_num, e.g. 150018.</summary>
    public int? ServerVersion { get; init; }
    public DateTimeOffset? PostmasterStartTime { get; init; }
    /// <summary>The running postmaster needs a restart for its settings to take effect (pending_restart).</summary>
    public bool PendingRestart { get; init; }
    /// <summary>The postmaster exited since the last observation without us asking (crash).</summary>
    public bool CrashedSinceLastObservation { get; init; }
    /// <summary>pg_controldata "Database cluster state", e.g. "shut down", "in production", "shut down in recovery".</summary>
    public string? ClusterState { get; init; }
    /// <summary>Set while postgres is kept down because its data diverged from the leader and could not be repaired.</summary>
    public string? StartBlocked { get; init; }
    public IReadOnlyList<ReplicationConnection> Replication => Primary.Rows;
    /// <summary>A primary's synchronous settings, flush position and pg_stat_replication (<see cref="PrimaryReplication.None"/> otherwise).</summary>
    public PrimaryReplication Primary { get; init; } = PrimaryReplication.None;
    /// <summary>A primary whose checkpoint after its promotion has not finished (pg_control may still name the old timeline).</summary>
    public bool CheckpointAfterPromotePending { get; init; }
    /// <summary>When the postmaster started, while postmaster.pid still says "starting" (recovery not done; for primary_start_timeout).</summary>
    public DateTimeOffset? StartingSince { get; init; }
    /// <summary>Left of the client hold-off after a switchover (listening on the unix socket only); null: none; &lt;= 0: due to end.</summary>
    public TimeSpan? ClientHoldoffRemaining { get; init; }
    /// <summary>Bytes copied of the total while pg_basebackup creates this replica; null otherwise.</summary>
    public BasebackupProgress? BasebackupProgress { get; init; }
}

/// <summary>A row of pg_stat_replication, as /patroni shows it; the positions choose synchronous standbys.</summary>
public sealed record ReplicationConnection(string UseName, string ApplicationName, string? ClientAddr, string State, string SyncState, int SyncPriority)
{
    public int Pid { get; init; }
    public Lsn? WriteLsn { get; init; }
    public Lsn? FlushLsn { get; init; }
    public Lsn? ReplayLsn { get; init; }
}

/// <summary>What a primary says about its replication: the synchronous settings in force, its flush position, the rows.</summary>
public sealed record PrimaryReplication(string SynchronousStandbyNames, string SynchronousCommit, Lsn? FlushLsn, IReadOnlyList<ReplicationConnection> Rows)
{
    public static readonly PrimaryReplication None = new("", "on", null, []);
}
