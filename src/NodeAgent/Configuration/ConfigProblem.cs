namespace NodeAgent.Configuration;

public enum ConfigSeverity
{
    Error,
    Warning,
}

/// <summary>One finding about the configuration, addressed by its key path (e.g. <c>bootstrap.dcs.ttl</c>).</summary>
public sealed record ConfigProblem(ConfigSeverity Severity, string Path, string Message)
{
    public override string ToString() =>
        $"{(Severity == ConfigSeverity.Error ? "error" : "warning")}: {Path}: {Message}";
}

/// <summary>The outcome of reading and checking a configuration: the typed config (when valid) and every finding.</summary>
public sealed record ConfigValidationResult(AgentConfig? Config, IReadOnlyList<ConfigProblem> Problems)
{
    public IEnumerable<ConfigProblem> Errors => Problems.Where(p => p.Severity == ConfigSeverity.Error);

    public IEnumerable<ConfigProblem> Warnings => Problems.Where(p => p.Severity == ConfigSeverity.Warning);

    public bool IsValid => Config is not null && !Errors.Any();
}
