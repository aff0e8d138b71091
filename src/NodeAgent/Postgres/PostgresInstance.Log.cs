using Microsoft.Extensions.Logging;

namespace NodeAgent.Postgres;

internal sealed partial class PostgresInstance
{
    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "starting postgres as {Role} (upstream {Upstream})")]
    private partial void LogStarting(string role, string upstream);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "postgres already running (pid {Pid}); not starting another")]
    private partial void LogAlreadyRunning(int pid);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Warning, Message = "postgres is not accepting connections after {Seconds} s")]
    private partial void LogNotReady(double seconds);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Warning, Message = "CHECKPOINT before stop failed: {Reason}")]
    private partial void LogCheckpointFailed(string reason);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Information, Message = "postgres configuration reloaded")]
    private partial void LogReloaded();

    [LoggerMessage(EventId = 2006, Level = LogLevel.Debug, Message = "postgres is not answering SQL: {Reason}")]
    private partial void LogSqlUnavailable(string reason);

    [LoggerMessage(EventId = 2008, Level = LogLevel.Warning, Message = "pg_basebackup from {Member} failed (exit {ExitCode}); retrying")]
    private partial void LogCloneRetry(string member, int exitCode);

    [LoggerMessage(EventId = 2017, Level = LogLevel.Information, Message = "base backup from {Member}: {DoneBytes} of {TotalBytes} bytes copied ({Percent}%)")]
    private partial void LogBasebackupProgress(string member, long doneBytes, long totalBytes, int percent);

    [LoggerMessage(EventId = 2009, Level = LogLevel.Information, Message = "created replication slot {Slot}")]
    private partial void LogSlotCreated(string slot);

    [LoggerMessage(EventId = 2010, Level = LogLevel.Information, Message = "dropped replication slot {Slot}")]
    private partial void LogSlotDropped(string slot);

    [LoggerMessage(EventId = 2011, Level = LogLevel.Information, Message = "restarting postgres as {Role} (postmaster pid {Pid})")]
    private partial void LogRestarting(string role, int pid);

    [LoggerMessage(EventId = 2012, Level = LogLevel.Error, Message = "restart failed: {Reason}")]
    private partial void LogRestartFailed(string reason);

    [LoggerMessage(EventId = 2013, Level = LogLevel.Information, Message = "synchronous_standby_names set to '{Value}'")]
    private partial void LogSynchronousStandbyNames(string value);

    [LoggerMessage(EventId = 2014, Level = LogLevel.Information, Message = "demoted by a switchover: for {Seconds} s postgres starts as a replica on its unix socket only, so a proxy still routing writes here as the primary gets refused connections instead of read-only errors (postgresql.demoted_client_holdoff)")]
    private partial void LogClientHoldoffStarted(int seconds);

    [LoggerMessage(EventId = 2015, Level = LogLevel.Information, Message = "client hold-off over ({Why}): restarting postgres to listen on '{ListenAddresses}' again")]
    private partial void LogClientHoldoffEnded(string listenAddresses, string why);

    [LoggerMessage(EventId = 2016, Level = LogLevel.Information, Message = "client hold-off: postgres listens on its unix socket only for {Seconds:0.#} s more")]
    private partial void LogStartingHeldOff(double seconds);
}
