using NodeAgent.Cluster;

namespace NodeAgent.Postgres.Rewind;

/// <summary>How the former primary's postmaster ended, as pg_controldata tells it.</summary>
internal enum PrimaryShutdown
{
    /// <summary>"shut down": the last WAL record is the shutdown checkpoint.</summary>
    Clean,
    /// <summary>"in production", "shutting down", "in crash recovery": WAL may go on past the last checkpoint.</summary>
    Crashed,
}

/// <summary>
/// Where a former primary's WAL ends. <paramref name="EndOfWal"/> is the end of the last valid record (null: unknown);
/// <paramref name="HighestLocalTimeline"/> is the newest timeline with a history file in our pg_wal.
/// </summary>
internal sealed record LocalWal(int Timeline, Lsn? EndOfWal, PrimaryShutdown Shutdown, int HighestLocalTimeline);

/// <summary>The leader as seen over SQL: its current timeline, WAL position and that timeline's history.</summary>
internal sealed record LeaderTimeline(int Timeline, Lsn WalPosition, IReadOnlyList<TimelineHistoryEntry> History);

/// <summary>Whether pg_rewind is needed, and why, in operator words.</summary>
internal sealed record DivergenceVerdict(bool RewindNeeded, string Why);
