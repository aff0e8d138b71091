using Microsoft.Extensions.Logging;

namespace NodeAgent.Hosting;

/// <summary>Patroni's log.level words (Python logging) mapped to .NET levels.</summary>
internal static class LogLevels
{
    public static LogLevel FromPatroni(string? level) => level?.ToUpperInvariant() switch
    {
        "DEBUG" => LogLevel.Debug,
        "WARNING" or "WARN" => LogLevel.Warning,
        "ERROR" => LogLevel.Error,
        "CRITICAL" or "FATAL" => LogLevel.Critical,
        _ => LogLevel.Information,
    };
}
