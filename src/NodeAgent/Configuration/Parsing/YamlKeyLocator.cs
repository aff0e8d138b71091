using System.Text.RegularExpressions;

namespace NodeAgent.Configuration.Parsing;

/// <summary>
/// The dotted key a line of a block-style YAML document belongs to, guessed from indentation alone: text that
/// failed to parse has no tree to ask, and "restapi.listen" finds the mistake faster than a line number.
/// </summary>
internal static partial class YamlKeyLocator
{
    /// <summary>The key path at 1-based <paramref name="line"/>, or null before the first key.</summary>
    public static string? KeyAt(string text, long line)
    {
        var lines = text.Split('\n');
        var open = new List<(int Indent, string Key)>();
        for (var i = 0; i < Math.Min(line, lines.Length); i++)
        {
            var content = lines[i].TrimEnd('\r');
            var trimmed = content.TrimStart(' ', '\t');
            if (trimmed.Length == 0 || trimmed.StartsWith('#'))
            {
                continue;
            }

            var indent = content.Length - trimmed.Length;
            var match = KeyLine().Match(trimmed);
            if (i + 1 < line && !match.Success)
            {
                continue;
            }

            open.RemoveAll(k => k.Indent >= indent);
            if (match.Success)
            {
                open.Add((indent, match.Groups["key"].Value.Trim().Trim('\'', '"')));
            }
        }

        return open.Count == 0 ? null : string.Join('.', open.Select(k => k.Key));
    }

    [GeneratedRegex("""^(?:-\s+)*(?<key>"[^"]*"|'[^']*'|[^\s#'"\[\]{},:][^:#]*?)\s*:(?:\s|$)""")]
    private static partial Regex KeyLine();
}
