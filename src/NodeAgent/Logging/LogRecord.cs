using Microsoft.Extensions.Logging;

namespace NodeAgent.Logging;

/// <summary>One log line before formatting: what Python's <c>logging.LogRecord</c> holds that NodeAgent has too.</summary>
internal sealed record LogRecord(DateTimeOffset Time, LogLevel Level, string Category, string Message, Exception? Exception, int ThreadId);
