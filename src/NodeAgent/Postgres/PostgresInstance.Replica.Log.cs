using Microsoft.Extensions.Logging;

namespace NodeAgent.Postgres;

internal sealed partial class PostgresInstance
{
    [LoggerMessage(EventId = 2301, Level = LogLevel.Information, Message = "replica has been created using {Method} (source {Member})")]
    private partial void LogReplicaCreated(string method, string member);

    [LoggerMessage(EventId = 2302, Level = LogLevel.Error, Message = "Error creating replica using method {Method}: {Reason}")]
    private partial void LogReplicaMethodFailed(string method, string reason);

    [LoggerMessage(EventId = 2303, Level = LogLevel.Information, Message = "creating the replica with create_replica_methods entry {Method}: {Command}")]
    private partial void LogRunningReplicaMethod(string method, string command);

    [LoggerMessage(EventId = 2311, Level = LogLevel.Information, Message = "Running custom bootstrap script (bootstrap.{Method}): {Command}")]
    private partial void LogRunningBootstrapMethod(string method, string command);

    [LoggerMessage(EventId = 2312, Level = LogLevel.Information, Message = "waiting for end of recovery after bootstrap")]
    private partial void LogWaitingEndOfRecovery();

    [LoggerMessage(EventId = 2313, Level = LogLevel.Information, Message = "running post_bootstrap script: {Command}")]
    private partial void LogRunningPostBootstrap(string command);

    [LoggerMessage(EventId = 2305, Level = LogLevel.Information, Message = "removed recovery settings from {Path}: the agent writes them")]
    private partial void LogAutoConfSanitized(string path);

    [LoggerMessage(EventId = 2304, Level = LogLevel.Information, Message = "Leaving data directory uncleaned (postgresql.{Method}.keep_data)")]
    private partial void LogKeepingData(string method);
}
