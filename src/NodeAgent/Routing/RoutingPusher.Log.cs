using Microsoft.Extensions.Logging;

namespace NodeAgent.Routing;

public sealed partial class RoutingPusher
{
    [LoggerMessage(EventId = 6001, Level = LogLevel.Information, Message = "told HAProxy at {Address}: {Server} {Routing} ({Commands} commands, {Milliseconds:0.0} ms)")]
    private static partial void LogPushed(ILogger logger, string address, string server, string routing, int commands, double milliseconds);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Warning, Message = "HAProxy runtime API at {Address}: {Problem}; routing is left to HAProxy's health checks until a push gets through (haproxy_runtime)")]
    private static partial void LogPushFailed(ILogger logger, string address, string problem);

    [LoggerMessage(EventId = 6003, Level = LogLevel.Information, Message = "HAProxy runtime API at {Address} takes pushes again")]
    private static partial void LogPushRecovered(ILogger logger, string address);
}
