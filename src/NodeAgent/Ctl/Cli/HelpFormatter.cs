using System.Text;

namespace NodeAgent.Ctl.Cli;

/// <summary>click's help layout: usage line, indented help text, and a two-column option list wrapped at 80.</summary>
internal static class HelpFormatter
{
    // click: min(terminal, 80) - 2 when not on a terminal.
    private const int Width = 78;
    private const int ColumnMax = 30;

    public static string CommandHelp(string program, CommandSpec command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var sb = new StringBuilder();
        sb.Append(command.UsageLine(program)).Append("\n\n");
        sb.Append("  ").Append(command.Help).Append("\n\n");
        sb.Append("Options:\n");
        var rows = command.Options.Select(o => (Left: string.Join(", ", o.Names) + (o.TakesValue ? " " + o.Metavar : ""), Right: o.Help))
            .Append(("--help", "Show this message and exit."));
        WriteDefinitions(sb, rows.ToList());
        return sb.ToString();
    }

    public static string MainHelp(string program, IReadOnlyList<CommandSpec> commands)
    {
        var sb = new StringBuilder();
        sb.Append($"Usage: {program} [OPTIONS] COMMAND [ARGS]...\n\n");
        sb.Append("Options:\n");
        WriteDefinitions(sb,
        [
            ("-c, --config-file TEXT", "Configuration file"),
            ("-d, --dcs-url, --dcs TEXT", "The DCS connect url"),
            ("-k, --insecure", "Allow connections to SSL sites without certs"),
            ("--help", "Show this message and exit."),
        ]);
        sb.Append("\nCommands:\n");
        WriteDefinitions(sb, [.. commands.OrderBy(c => c.Name, StringComparer.Ordinal).Select(c => (c.Name, c.ShortHelp))]);
        return sb.ToString();
    }

    private static void WriteDefinitions(StringBuilder sb, List<(string Left, string Right)> rows)
    {
        var first = Math.Min(rows.Max(r => r.Left.Length), ColumnMax) + 2;
        var textWidth = Math.Max(Width - first - 2, 10);
        foreach (var (left, right) in rows)
        {
            sb.Append("  ").Append(left);
            var lines = Wrap(right, textWidth);
            if (left.Length <= first - 2)
            {
                sb.Append(' ', first - left.Length);
            }
            else
            {
                sb.Append('\n').Append(' ', first + 2);
            }

            sb.Append(lines.Count > 0 ? lines[0] : "").Append('\n');
            foreach (var line in lines.Skip(1))
            {
                sb.Append(' ', first + 2).Append(line).Append('\n');
            }
        }
    }

    private static List<string> Wrap(string text, int width)
    {
        var lines = new List<string>();
        var current = new StringBuilder();
        foreach (var word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (current.Length > 0 && current.Length + 1 + word.Length > width)
            {
                lines.Add(current.ToString());
                current.Clear();
            }

            if (current.Length > 0)
            {
                current.Append(' ');
            }

            current.Append(word);
        }

        if (current.Length > 0)
        {
            lines.Add(current.ToString());
        }

        return lines;
    }
}
