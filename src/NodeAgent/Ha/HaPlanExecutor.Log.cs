using Microsoft.Extensions.Logging;
using NodeAgent.Postgres.Rewind;

namespace NodeAgent.Ha;

public sealed partial class HaPlanExecutor
{
    [LoggerMessage(EventId = 2101, Level = LogLevel.Error, Message = "Error communicating with DCS while '{Reason}': {Error}")]
    private static partial void LogDcsFailed(ILogger logger, string reason, string error);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Warning, Message = "{Step} failed: {Reason}")]
    private static partial void LogGuardFailed(ILogger logger, string step, string reason);

    [LoggerMessage(EventId = 2103, Level = LogLevel.Information, Message = "Demoting self ({Mode})")]
    private static partial void LogDemoting(ILogger logger, DemoteMode mode);

    [LoggerMessage(EventId = 2104, Level = LogLevel.Warning, Message = "Fast shutdown did not finish within retry_timeout, escalating to immediate")]
    private static partial void LogStopEscalated(ILogger logger);

    [LoggerMessage(EventId = 2105, Level = LogLevel.Information, Message = "bootstrapped from leader '{Member}'")]
    private static partial void LogBootstrapped(ILogger logger, string member);

    [LoggerMessage(EventId = 2106, Level = LogLevel.Information, Message = "initialized a new cluster (system identifier {SystemIdentifier})")]
    private static partial void LogInitialized(ILogger logger, string systemIdentifier);

    [LoggerMessage(EventId = 2107, Level = LogLevel.Error, Message = "removing initialize key after failed attempt to bootstrap the cluster: {Error}")]
    private static partial void LogBootstrapFailed(ILogger logger, string error);

    [LoggerMessage(EventId = 2108, Level = LogLevel.Warning, Message = "not starting postgres as a replica of {Member} ({Outcome}): {Detail}")]
    private static partial void LogNotStarting(ILogger logger, string member, RejoinOutcome outcome, string detail);
}
