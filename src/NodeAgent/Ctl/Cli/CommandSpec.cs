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
        // click wraps the arguments at 80 columns, continuing under the first argument.
        var prefix = $"Usage: {program} {Name} ";
        var lines = new List<string>();
        var line = new System.Text.StringBuilder(prefix);
        var lineHasWord = false;
        foreach (var word in ("[OPTIONS]" + args).Split(' '))
        {
            if (lineHasWord && line.Length + 1 + word.Length > 80)
            {
                lines.Add(line.ToString());
                line.Clear().Append(' ', prefix.Length);
                lineHasWord = false;
            }

            line.Append(lineHasWord ? " " : "").Append(word);
            lineHasWord = true;
        }

        lines.Add(line.ToString());
        return string.Join('\n', lines);
    }
}
