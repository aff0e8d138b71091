using NodeAgent.Cluster;

namespace NodeAgent.Postgres;

/// <summary>One answer to the status query (see <see cref="PostgresSql.StatusAsync"/>).</summary>
internal sealed record ServerStatus(
    bool InRecovery,
    Lsn? CurrentLsn,
    int? Timeline,
    Lsn? ReceivedLsn,
    Lsn? ReplayedLsn,
    DateTimeOffset? ReplayedTimestamp,
    bool? ReplayPaused,
    string? ReceiverState,
    int ServerVersion,
    DateTimeOffset? PostmasterStartTime,
    string SystemIdentifier,
    bool PendingRestart,
    bool HasRestoreCommand);
