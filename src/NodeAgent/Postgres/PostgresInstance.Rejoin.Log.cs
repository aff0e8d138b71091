using Microsoft.Extensions.Logging;
using NodeAgent.Postgres.Rewind;

namespace NodeAgent.Postgres;

internal sealed partial class PostgresInstance
{
    [LoggerMessage(EventId = 2201, Level = LogLevel.Information, Message = "rejoining leader {Member}: {Outcome}: {Detail}")]
    private partial void LogRejoin(string member, RejoinOutcome outcome, string detail);

    [LoggerMessage(EventId = 2202, Level = LogLevel.Error, Message = "rejoining leader {Member}: {Detail}")]
    private partial void LogRejoinRefused(string member, string detail);

    [LoggerMessage(EventId = 2203, Level = LogLevel.Information, Message = "local timeline={Timeline} end of WAL={Lsn}; leader timeline={LeaderTimeline}: {Verdict}")]
    private partial void LogDivergenceChecked(int timeline, string lsn, int leaderTimeline, string verdict);

    [LoggerMessage(EventId = 2204, Level = LogLevel.Warning, Message = "could not find the end of the local WAL in pg_waldump output: {Output}")]
    private partial void LogWalEndUnknown(string output);

    [LoggerMessage(EventId = 2205, Level = LogLevel.Information, Message = "doing crash recovery in a single user mode on {DataDir}")]
    private partial void LogCrashRecovery(string dataDir);

    [LoggerMessage(EventId = 2206, Level = LogLevel.Information, Message = "crash recovery finished with code={ExitCode}; cluster state now '{State}'")]
    private partial void LogCrashRecoveryDone(int exitCode, string state);

    [LoggerMessage(EventId = 2207, Level = LogLevel.Error, Message = "crash recovery in single user mode did not finish within {Seconds} s; killed")]
    private partial void LogCrashRecoveryTimedOut(double seconds);

    [LoggerMessage(EventId = 2208, Level = LogLevel.Information, Message = "running pg_rewind from {Member}")]
    private partial void LogRewinding(string member);

    [LoggerMessage(EventId = 2209, Level = LogLevel.Error, Message = "pg_rewind from {Member} failed (exit {ExitCode}, timed out {TimedOut}); pg_control restored: {Output}")]
    private partial void LogRewindFailed(string member, int exitCode, bool timedOut, string output);

    [LoggerMessage(EventId = 2211, Level = LogLevel.Information, Message = "Trying to archive {Wal}: {Command}")]
    private partial void LogArchivingReady(string wal, string command);

    [LoggerMessage(EventId = 2212, Level = LogLevel.Warning, Message = "Failed to archive WAL segment {Wal} before the rewind; it may be missing from the archive")]
    private partial void LogArchiveReadyFailed(string wal);

    [LoggerMessage(EventId = 2213, Level = LogLevel.Error, Message = "cannot archive ready WAL: {Path}: {Reason}")]
    private partial void LogArchiveStatusUnreadable(string path, string reason);

    [LoggerMessage(EventId = 2210, Level = LogLevel.Warning, Message = "removed the contents of {DataDir}: it will be cloned from the leader again")]
    private partial void LogDataDirectoryRemoved(string dataDir);
}
