using NodeAgent.Ctl.Cli;

namespace NodeAgent.Ctl.Cli;

/// <summary>
/// Click-style parsing without reflection: long options with "=value" or a separate value, short options
/// with the value attached or separate, clustered short flags ("-eW"), "--" ending options, and positional
/// arguments assigned like click (required ones after a variadic one are taken from the end).
/// </summary>
internal static class ArgParser
{
    /// <summary>Parses <paramref name="tokens"/> for <paramref name="command"/>; returns null when --help was asked.</summary>
    public static ParsedArgs? Parse(CommandSpec command, IReadOnlyList<string> tokens)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(tokens);
        var parsed = new ParsedArgs();
        var positionals = new List<string>();
        for (var i = 0; i < tokens.Count; i++)
        {
            var token = tokens[i];
            if (token == "--")
            {
                positionals.AddRange(tokens.Skip(i + 1));
                break;
            }

            if (token == "--help")
            {
                return null;
            }

            if (token.StartsWith("--", StringComparison.Ordinal))
            {
                i = ParseLong(command, tokens, i, parsed);
            }
            else if (token.Length > 1 && token[0] == '-')
            {
                i = ParseShort(command, tokens, i, parsed);
            }
            else
            {
                positionals.Add(token);
            }
        }

        AssignPositionals(command, positionals, parsed);
        return parsed;
    }

    private static int ParseLong(CommandSpec command, IReadOnlyList<string> tokens, int i, ParsedArgs parsed)
    {
        var token = tokens[i];
        var eq = token.IndexOf('=', StringComparison.Ordinal);
        var name = eq < 0 ? token : token[..eq];
        var option = Find(command, name);
        if (!option.TakesValue)
        {
            if (eq >= 0)
            {
                throw new CtlUsageException($"Option '{name}' does not take a value.") { Bare = true };
            }

            parsed.AddOption(option.Key, "true");
            return i;
        }

        if (eq >= 0)
        {
            parsed.AddOption(option.Key, token[(eq + 1)..]);
            return i;
        }

        if (i + 1 >= tokens.Count)
        {
            throw new CtlUsageException($"Option '{name}' requires an argument.") { Bare = true };
        }

        parsed.AddOption(option.Key, tokens[i + 1]);
        return i + 1;
    }

    private static int ParseShort(CommandSpec command, IReadOnlyList<string> tokens, int i, ParsedArgs parsed)
    {
        var token = tokens[i];
        for (var c = 1; c < token.Length; c++)
        {
            var option = Find(command, "-" + token[c]);
            if (!option.TakesValue)
            {
                parsed.AddOption(option.Key, "true");
                continue;
            }

            if (c + 1 < token.Length)
            {
                parsed.AddOption(option.Key, token[(c + 1)..]);
                return i;
            }

            if (i + 1 >= tokens.Count)
            {
                throw new CtlUsageException($"Option '-{token[c]}' requires an argument.") { Bare = true };
            }

            parsed.AddOption(option.Key, tokens[i + 1]);
            return i + 1;
        }

        return i;
    }

    private static OptionSpec Find(CommandSpec command, string name) =>
        command.Options.FirstOrDefault(o => o.Names.Contains(name, StringComparer.Ordinal))
        ?? throw Usage(command, $"No such option: {name}");

    private static void AssignPositionals(CommandSpec command, List<string> values, ParsedArgs parsed)
    {
        var specs = command.Arguments;
        var variadic = specs.ToList().FindIndex(a => a.Variadic);
        var after = variadic < 0 ? 0 : specs.Count - variadic - 1;
        var front = variadic < 0 ? specs.Count : variadic;

        var taken = 0;
        for (var a = 0; a < front; a++)
        {
            if (taken < values.Count - after)
            {
                parsed.SetArgument(specs[a].Name, [values[taken++]]);
            }
            else if (specs[a].Required)
            {
                throw Usage(command, $"Missing argument '{specs[a].Name}'.");
            }
        }

        if (variadic >= 0)
        {
            var restCount = Math.Max(0, values.Count - taken - after);
            parsed.SetArgument(specs[variadic].Name, values.GetRange(taken, restCount));
            taken += restCount;
            for (var a = variadic + 1; a < specs.Count; a++)
            {
                if (taken >= values.Count)
                {
                    throw Usage(command, $"Missing argument '{specs[a].Name}'.");
                }

                parsed.SetArgument(specs[a].Name, [values[taken++]]);
            }
        }

        if (taken < values.Count)
        {
            var extra = values.Skip(taken).ToList();
            throw Usage(command, extra.Count == 1
                ? $"Got unexpected extra argument ({extra[0]})"
                : $"Got unexpected extra arguments ({string.Join(' ', extra)})");
        }
    }

    private static CtlUsageException Usage(CommandSpec command, string message) => new(message) { Command = command };
}
