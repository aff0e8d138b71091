using Microsoft.Extensions.Logging;
using NodeAgent.Postgres;
using NodeAgent.Postgres.Rewind;

namespace NodeAgent.Ha;

public sealed partial class HaPlanExecutor
{
    [LoggerMessage(EventId = 1101, Level = LogLevel.Error, Message = "Error communicating with DCS while '{Reason}': {Error}")]
    private static partial void LogDcsFailed(ILogger logger, string reason, string error);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Warning, Message = "{Step} failed: {Reason}")]
    private static partial void LogGuardFailed(ILogger logger, string step, string reason);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Information, Message = "Demoting self ({Mode})")]
    private static partial void LogDemoting(ILogger logger, DemoteMode mode);

    [LoggerMessage(EventId = 1104, Level = LogLevel.Warning, Message = "Fast shutdown did not finish within retry_timeout, escalating to immediate")]
    private static partial void LogStopEscalated(ILogger logger);

    [LoggerMessage(EventId = 1105, Level = LogLevel.Information, Message = "bootstrapped {Source}")]
    private static partial void LogBootstrapped(ILogger logger, string source);

    [LoggerMessage(EventId = 1106, Level = LogLevel.Information, Message = "initialized a new cluster (system identifier {SystemIdentifier})")]
    private static partial void LogInitialized(ILogger logger, string systemIdentifier);

    [LoggerMessage(EventId = 1107, Level = LogLevel.Error, Message = "removing initialize key after failed attempt to bootstrap the cluster: {Error}")]
    private static partial void LogBootstrapFailed(ILogger logger, string error);

    [LoggerMessage(EventId = 1108, Level = LogLevel.Warning, Message = "not starting postgres as a replica of {Member} ({Outcome}): {Detail}")]
    private static partial void LogNotStarting(ILogger logger, string member, RejoinOutcome outcome, string detail);

    [LoggerMessage(EventId = 1109, Level = LogLevel.Warning, Message = "{Step} skipped: {Reason}")]
    private static partial void LogStaleLock(ILogger logger, string step, string reason);

    [LoggerMessage(EventId = 1110, Level = LogLevel.Information, Message = "{Why}")]
    private static partial void LogScheduledRestartDropped(ILogger logger, string why);

    [LoggerMessage(EventId = 1111, Level = LogLevel.Information, Message = "restarting postgres ({Trigger})")]
    private static partial void LogRestarting(ILogger logger, string trigger);

    [LoggerMessage(EventId = 1112, Level = LogLevel.Information, Message = "restart finished: {Outcome}")]
    private static partial void LogRestarted(ILogger logger, RestartOutcome outcome);

    [LoggerMessage(EventId = 1113, Level = LogLevel.Information, Message = "reinitializing: stopping postgres, removing the data directory and cloning again from '{Member}'")]
    private static partial void LogReinitializing(ILogger logger, string member);

    [LoggerMessage(EventId = 1121, Level = LogLevel.Information, Message = "HAProxy took this node out of the primary backend: no client hold-off after the switchover")]
    private static partial void LogNoClientHoldoff(ILogger logger);
}
