using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace NodeAgent.Postgres;

/// <summary>
/// synchronous_standby_names as postgres reads it: <c>FIRST n (a, b)</c>, <c>n (a, b)</c>, <c>ANY n (a, b)</c> or a bare
/// list (FIRST 1). Parsing and building follow <c>postgresql/sync.py:parse_sync_standby_names</c> and
/// <c>SyncHandler.set_synchronous_standby_names</c>.
/// </summary>
public sealed partial record SyncStandbyNames(string Type, int Count, IReadOnlyList<string> Members, bool HasStar)
{
    public static readonly SyncStandbyNames Off = new("off", 0, [], false);

    /// <summary>Member names compare case-insensitively, as postgres matches application_name.</summary>
    public bool Contains(string name) => Members.Contains(name, StringComparer.OrdinalIgnoreCase);

    /// <summary>The value the agent writes for the wanted standbys: none, <c>*</c>, a single name, or <c>N (a,b)</c>.</summary>
    public static string? Build(IReadOnlyList<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        if (names.Count == 0)
        {
            return null;
        }

        if (names is ["*"])
        {
            return "*";
        }

        var quoted = names.Select(Quote).ToList();
        return quoted.Count == 1 ? quoted[0] : string.Create(CultureInfo.InvariantCulture, $"{quoted.Count} ({string.Join(',', quoted)})");
    }

    /// <summary>Parses a value; a value postgres would reject (or that we cannot read) throws <see cref="FormatException"/>.</summary>
    public static SyncStandbyNames Parse(string? value)
    {
        var tokens = Tokens().Matches(value ?? "")
            .Select(m => (Kind: KindOf(m), Text: m.Value, m.Index))
            .Where(t => t.Kind != "space")
            .ToList();
        if (tokens.Count == 0)
        {
            return Off;
        }

        string type;
        int count;
        List<(string Kind, string Text, int Index)> list;
        if (Starts(tokens, "any", "num", "parenstart") && tokens[^1].Kind == "parenend")
        {
            (type, count, list) = ("quorum", Number(tokens[1].Text), tokens[3..^1]);
        }
        else if (Starts(tokens, "first", "num", "parenstart") && tokens[^1].Kind == "parenend")
        {
            (type, count, list) = ("priority", Number(tokens[1].Text), tokens[3..^1]);
        }
        else if (Starts(tokens, "num", "parenstart") && tokens[^1].Kind == "parenend")
        {
            (type, count, list) = ("priority", Number(tokens[0].Text), tokens[2..^1]);
        }
        else
        {
            (type, count, list) = ("priority", 1, tokens);
        }

        var members = new List<string>();
        var star = false;
        for (var i = 0; i < list.Count; i++)
        {
            var (kind, text, index) = list[i];
            if (i % 2 == 1)
            {
                if (i == list.Count - 1 || kind != "comma")
                {
                    throw Unparseable(value, $"unexpected {text} at {index}");
                }

                continue;
            }

            switch (kind)
            {
                case "ident" or "first" or "any":
                    members.Add(text);
                    break;
                case "star":
                    members.Add(text);
                    star = true;
                    break;
                case "dquot":
                    members.Add(text[1..^1].Replace("\"\"", "\"", StringComparison.Ordinal));
                    break;
                default:
                    throw Unparseable(value, $"unexpected {text} at {index}");
            }
        }

        return new SyncStandbyNames(type, count, members, star);
    }

    /// <summary>postgresql/sync.py:quote_ident: plain identifiers as they are, anything else in double quotes.</summary>
    private static string Quote(string name) =>
        PlainName().IsMatch(name) ? name : new StringBuilder("\"").Append(name.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"').ToString();

    private static bool Starts(List<(string Kind, string Text, int Index)> tokens, params string[] kinds) =>
        tokens.Count >= kinds.Length && kinds.Select((k, i) => tokens[i].Kind == k).All(x => x);

    private static int Number(string text) => int.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture);

    private static FormatException Unparseable(string? value, string why) => new($"Unparseable synchronous_standby_names value '{value}': {why}");

    private static string KindOf(Match m) =>
        m.Groups["first"].Success ? "first"
        : m.Groups["any"].Success ? "any"
        : m.Groups["space"].Success ? "space"
        : m.Groups["ident"].Success ? "ident"
        : m.Groups["dquot"].Success ? "dquot"
        : m.Groups["star"].Success ? "star"
        : m.Groups["num"].Success ? "num"
        : m.Groups["comma"].Success ? "comma"
        : m.Groups["parenstart"].Success ? "parenstart"
        : m.Groups["parenend"].Success ? "parenend"
        : "junk";

    [GeneratedRegex("""(?<first>\b[fF][iI][rR][sS][tT]\b)|(?<any>\b[aA][nN][yY]\b)|(?<space>\s+)|(?<ident>[A-Za-z_][A-Za-z_0-9\$]*)|(?<dquot>"(?:[^"]+|"")*")|(?<star>[*])|(?<num>\d+)|(?<comma>,)|(?<parenstart>\()|(?<parenend>\))|(?<junk>.)""")]
    private static partial Regex Tokens();

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z_0-9\$]*$")]
    private static partial Regex PlainName();
}
