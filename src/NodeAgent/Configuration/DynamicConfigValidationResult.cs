namespace NodeAgent.Configuration;

/// <summary>The outcome of checking a dynamic config: the typed config (when it has no errors) and every finding.</summary>
public sealed record DynamicConfigValidationResult(DynamicConfig? Config, IReadOnlyList<ConfigProblem> Problems)
{
    public IEnumerable<ConfigProblem> Errors => Problems.Where(p => p.Severity == ConfigSeverity.Error);

    public IEnumerable<ConfigProblem> Warnings => Problems.Where(p => p.Severity == ConfigSeverity.Warning);

    public bool IsValid => Config is not null;

    /// <summary>Every error as "key: what is wrong", joined by "; ": one line an operator can act on.</summary>
    public string ErrorText => string.Join("; ", Errors.Select(e => $"{e.Path}: {e.Message}"));
}
