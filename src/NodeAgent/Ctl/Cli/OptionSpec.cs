namespace NodeAgent.Ctl.Cli;

/// <summary>One option of a command: its spellings, whether it takes a value, and its help line.</summary>
/// <param name="Names">All spellings, e.g. "-f", "--format"; the first long one names it in <see cref="ParsedArgs"/>.</param>
/// <param name="Metavar">Shown after the names in help (TEXT, INTEGER, FLOAT); null for flags.</param>
internal sealed record OptionSpec(string[] Names, string? Metavar, string Help, bool Multiple = false)
{
    public bool TakesValue => Metavar is not null;

    /// <summary>Key in <see cref="ParsedArgs"/>: the first long spelling without dashes, else the short one.</summary>
    public string Key => (Names.FirstOrDefault(n => n.StartsWith("--", StringComparison.Ordinal)) ?? Names[0]).TrimStart('-');

    public static OptionSpec Flag(string help, params string[] names) => new(names, null, help);

    public static OptionSpec Text(string help, params string[] names) => new(names, "TEXT", help);

    public static OptionSpec Typed(string metavar, string help, params string[] names) => new(names, metavar, help);

    public static OptionSpec Many(string help, params string[] names) => new(names, "TEXT", help, Multiple: true);
}

/// <summary>A positional argument; <see cref="Variadic"/> takes the rest (nargs=-1).</summary>
internal sealed record ArgumentSpec(string Name, bool Required, bool Variadic = false);
