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

    public string Location => Line > 0 ? $"line {Line}, column {Column}" : "(document)";
}
