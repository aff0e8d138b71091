using NodeAgent.Ctl.Cli;

namespace NodeAgent.Ctl.Cli;

/// <summary>The options before the command: <c>-c/--config-file</c>, <c>-d/--dcs-url/--dcs</c>, <c>-k/--insecure</c>, <c>--help</c>.</summary>
internal sealed record GlobalOptions(string? ConfigFile, string? DcsUrl, bool Insecure, bool ShowHelp, string? Command, IReadOnlyList<string> CommandArgs)
{
    public static GlobalOptions Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        string? config = null, dcs = null;
        var insecure = false;
        for (var i = 0; i < args.Count; i++)
        {
            var token = args[i];
            var eq = token.StartsWith("--", StringComparison.Ordinal) ? token.IndexOf('=', StringComparison.Ordinal) : -1;
            var name = eq < 0 ? token : token[..eq];
            switch (name)
            {
                case "--help":
                    return new GlobalOptions(config, dcs, insecure, true, null, []);
                case "-k" or "--insecure":
                    insecure = true;
                    break;
                case "-c" or "--config-file":
                    config = ValueOf(args, ref i, eq, token, name);
                    break;
                case "-d" or "--dcs-url" or "--dcs":
                    dcs = ValueOf(args, ref i, eq, token, name);
                    break;
                default:
                    if (token.StartsWith("-c", StringComparison.Ordinal) && token.Length > 2)
                    {
                        config = token[2..];
                    }
                    else if (token.StartsWith("-d", StringComparison.Ordinal) && token.Length > 2)
                    {
                        dcs = token[2..];
                    }
                    else if (token.StartsWith('-'))
                    {
                        throw new CtlUsageException($"No such option: {name}");
                    }
                    else
                    {
                        return new GlobalOptions(config, dcs, insecure, false, token, [.. args.Skip(i + 1)]);
                    }

                    break;
            }
        }

        return new GlobalOptions(config, dcs, insecure, false, null, []);
    }

    private static string ValueOf(IReadOnlyList<string> args, ref int i, int eq, string token, string name)
    {
        if (eq >= 0)
        {
            return token[(eq + 1)..];
        }

        if (i + 1 >= args.Count)
        {
            throw new CtlUsageException($"Option '{name}' requires an argument.") { Bare = true };
        }

        return args[++i];
    }
}
