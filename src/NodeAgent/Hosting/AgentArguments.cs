namespace NodeAgent.Hosting;

/// <summary>node-agent's command line, parsed like argparse would: options and the one positional file in any order.</summary>
internal sealed record AgentArguments
{
    public bool Help { get; init; }

    public bool Version { get; init; }

    public bool ValidateConfig { get; init; }

    public string? ConfigFile { get; init; }

    /// <summary>Why the command line is unusable; null when it is fine.</summary>
    public string? Error { get; init; }

    public static AgentArguments Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var result = new AgentArguments();
        var onlyFiles = false;
        foreach (var arg in args)
        {
            result = arg switch
            {
                "--" when !onlyFiles => result,
                "--help" or "-h" when !onlyFiles => result with { Help = true },
                "--version" when !onlyFiles => result with { Version = true },
                "--validate-config" when !onlyFiles => result with { ValidateConfig = true },
                _ when !onlyFiles && arg.StartsWith('-') && arg.Length > 1 => result with { Error = $"unknown option {arg}" },
                _ when result.ConfigFile is not null => result with { Error = $"only one CONFIG_FILE, got '{result.ConfigFile}' and '{arg}'" },
                _ => result with { ConfigFile = arg },
            };
            onlyFiles |= arg == "--";
            if (result.Error is not null)
            {
                return result;
            }
        }

        return result;
    }
}
