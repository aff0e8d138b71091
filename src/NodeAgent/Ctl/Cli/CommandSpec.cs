namespace NodeAgent.Ctl.Cli;

/// <summary>A sub-command: name, help, options and positional arguments, and what runs it.</summary>
internal sealed record CommandSpec(
    string Name,
    string Help,
    IReadOnlyList<OptionSpec> Options,
    IReadOnlyList<ArgumentSpec> Arguments,
    Func<CtlContext, ParsedArgs, CancellationToken, Task<int>> Run)
{
    /// <summary>The help line in the command list (click shortens long ones with "...").</summary>
    public string ShortHelp { get; init; } = Help;

    public string UsageLine(string program)
    {
        var args = string.Concat(Arguments.Select(a =>
            " " + (a.Required ? a.Name : "[" + a.Name + "]") + (a.Variadic ? "..." : "")));
        return $"Usage: {program} {Name} [OPTIONS]{args}";
    }
}
