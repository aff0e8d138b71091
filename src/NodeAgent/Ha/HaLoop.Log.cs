using Microsoft.Extensions.Logging;

namespace NodeAgent.Ha;

public sealed partial class HaLoop
{
    /// <summary>The one Information line per cycle, in Patroni's words.</summary>
    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "{Reason}")]
    private static partial void LogCycle(ILogger logger, string reason);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "Loop time exceeded, rescheduling immediately.")]
    private static partial void LogLoopTimeExceeded(ILogger logger);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Warning, Message = "The HA loop did not run for {Seconds:0.#} s; the leader lock is not trusted until renewed")]
    private static partial void LogStalled(ILogger logger, double seconds);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Error, Message = "Error communicating with DCS: {Error}")]
    private static partial void LogDcsReadFailed(ILogger logger, string error);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Error, Message = "Unexpected error in the HA cycle")]
    private static partial void LogCycleFailed(ILogger logger, Exception error);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Information, Message = "Leader key is not deleted and Postgresql is not stopped due paused state")]
    private static partial void LogShutdownPaused(ILogger logger);

    [LoggerMessage(EventId = 1007, Level = LogLevel.Warning, Message = "Could not update the DCS on shutdown: {Error}")]
    private static partial void LogShutdownDcsFailed(ILogger logger, string error);

    [LoggerMessage(EventId = 1008, Level = LogLevel.Information, Message = "Shut down (held the leader lock: {HeldLock})")]
    private static partial void LogShutdown(ILogger logger, bool heldLock);

    [LoggerMessage(EventId = 1009, Level = LogLevel.Error, Message = "'{Reason}' failed")]
    private static partial void LogLongActionFailed(ILogger logger, string reason, Exception error);

    [LoggerMessage(EventId = 1010, Level = LogLevel.Warning, Message = "cancelling the action in progress (reinitialize with force)")]
    private static partial void LogCancellingLongAction(ILogger logger);
}
