namespace NodeAgent.Configuration.Parsing;

/// <summary>Collects findings while the tree is mapped, so one run reports every problem, not just the first.</summary>
internal sealed class ConfigProblems
{
    private readonly List<ConfigProblem> _items = [];

    public IReadOnlyList<ConfigProblem> Items => _items;

    public bool HasErrors => _items.Exists(p => p.Severity == ConfigSeverity.Error);

    public void Error(string path, string message) => _items.Add(new ConfigProblem(ConfigSeverity.Error, path, message));

    public void Warning(string path, string message) => _items.Add(new ConfigProblem(ConfigSeverity.Warning, path, message));

    public void Add(ConfigSeverity severity, string path, string message) => _items.Add(new ConfigProblem(severity, path, message));
}
