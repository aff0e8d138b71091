namespace NodeAgent.Configuration;

public enum ConfigSeverity
{
    Error,
    Warning,
}

/// <summary>
/// One finding about the configuration, addressed by its key path (e.g. <c>bootstrap.dcs.ttl</c>) and, once
/// the loader knows it, by where the value came from: the file with line and column, or a <c>PATRONI_*</c> variable.
/// </summary>
public sealed record ConfigProblem(ConfigSeverity Severity, string Path, string Message)
{
    /// <summary>The file or environment variable the value came from; null when checking a bare tree.</summary>
    public string? Source { get; init; }

    /// <summary>1-based; 0 when unknown (a missing key has no line).</summary>
    public long Line { get; init; }

    public long Column { get; init; }

    /// <summary>One line, e.g. <c>error: /etc/node-agent/config.yml:5:1: restapi.listen: ...</c>.</summary>
    public override string ToString()
    {
        var where = Source is null ? "" : Line > 0 ? $"{Source}:{Line}:{Column}: " : $"{Source}: ";
        return $"{(Severity == ConfigSeverity.Error ? "error" : "warning")}: {where}{Path}: {Message}";
    }
}

/// <summary>The outcome of reading and checking a configuration: the typed config (when valid) and every finding.</summary>
public sealed record ConfigValidationResult(AgentConfig? Config, IReadOnlyList<ConfigProblem> Problems)
{
    public IEnumerable<ConfigProblem> Errors => Problems.Where(p => p.Severity == ConfigSeverity.Error);

    public IEnumerable<ConfigProblem> Warnings => Problems.Where(p => p.Severity == ConfigSeverity.Warning);

    public bool IsValid => Config is not null && !Errors.Any();
}
