namespace NodeAgent.Configuration;

public sealed record LogConfig
{
    public string Level { get; init; } = "INFO";
    public string TracebackLevel { get; init; } = "ERROR";
    public string? Format { get; init; }
    public string? DateFormat { get; init; }
    public int MaxQueueSize { get; init; } = 1000;
    public string? Dir { get; init; }
    public int? FileNum { get; init; }
    public long? FileSize { get; init; }
    public IReadOnlyDictionary<string, string> Loggers { get; init; } = new Dictionary<string, string>();
}
