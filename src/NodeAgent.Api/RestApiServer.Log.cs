using Microsoft.Extensions.Logging;

namespace NodeAgent.Api;

public sealed partial class RestApiServer
{
    /// <summary>EventIds 3000-3099 belong to the REST API.</summary>
    private static partial class Log
    {
        [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "REST API listening on {Endpoints}")]
        public static partial void RestListening(ILogger logger, string endpoints);

        [LoggerMessage(EventId = 4002, Level = LogLevel.Information, Message = "gRPC health service listening on {Endpoints}")]
        public static partial void GrpcListening(ILogger logger, string endpoints);

        [LoggerMessage(EventId = 4003, Level = LogLevel.Information, Message = "REST API stopped")]
        public static partial void Stopped(ILogger logger);
    }
}
