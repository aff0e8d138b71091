namespace NodeAgent.Configuration;

/// <summary>The configuration cannot be used; the message lists every error, one per line.</summary>
public sealed class ConfigException : Exception
{
    public ConfigException()
    {
    }

    public ConfigException(string message)
        : base(message)
    {
    }

    public ConfigException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ConfigException(IReadOnlyList<ConfigProblem> errors)
        : base("invalid configuration:" + Environment.NewLine + string.Join(Environment.NewLine, errors))
    {
        Errors = errors;
    }

    public IReadOnlyList<ConfigProblem> Errors { get; } = [];
}
