namespace NodeAgent.Configuration;

public sealed record LogConfig
{
    /// <summary>Python's RotatingFileHandler settings as Patroni sets them (<c>log.py:PatroniLogger.reload_config</c>).</summary>
    public const long DefaultFileSize = 25_000_000;

    public const int DefaultFileNum = 4;

    public string Level { get; init; } = "INFO";
    public string TracebackLevel { get; init; } = "ERROR";

    /// <summary>"plain" or "json" (Patroni 3.3's <c>log.type</c>).</summary>
    public string Type { get; init; } = "plain";
    public string? Format { get; init; }
    public string? DateFormat { get; init; }
    public int MaxQueueSize { get; init; } = 1000;
    public string? Dir { get; init; }
    public int? FileNum { get; init; }
    public long? FileSize { get; init; }
    public IReadOnlyDictionary<string, string> Loggers { get; init; } = new Dictionary<string, string>();
}
