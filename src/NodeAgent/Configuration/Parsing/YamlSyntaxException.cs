namespace NodeAgent.Configuration.Parsing;

/// <summary>The text is not well-formed YAML (or not a mapping at the top); line and column are 1-based.</summary>
internal sealed class YamlSyntaxException : Exception
{
    public YamlSyntaxException()
    {
    }

    public YamlSyntaxException(string message)
        : base(message)
    {
    }

    public YamlSyntaxException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public YamlSyntaxException(long line, long column, string message)
        : base(message)
    {
        Line = line;
        Column = column;
    }

    public long Line { get; }

    public long Column { get; }

    /// <summary>The dotted key the error belongs to, when one can be told.</summary>
    public string? Key { get; init; }

    /// <summary>Where the text came from (a file or a <c>PATRONI_*</c> variable), when known.</summary>
    public string? Origin { get; init; }

    public string Location => Line > 0 ? $"line {Line}, column {Column}" : "(document)";
}
