using System.Text.RegularExpressions;

namespace NodeAgent.Tests.Packaging;

/// <summary>
/// The metric names a PromQL expression selects: what is left once strings, label matchers, ranges, grouping
/// clauses, Grafana variables, function names and keywords are taken out. Enough for dashboards, not a parser.
/// </summary>
internal static partial class PromQlNames
{
    private static readonly HashSet<string> Keywords =
        ["by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "offset", "bool", "inf", "nan"];

    public static HashSet<string> Of(string expression)
    {
        var e = LabelValues().Replace(expression, "$1");
        e = Strings().Replace(e, " ");
        e = Variables().Replace(e, " ");
        e = Matchers().Replace(e, " ");
        e = Ranges().Replace(e, " ");
        e = Grouping().Replace(e, " ");
        return [.. Identifiers().Matches(e).Select(m => m.Value).Where(name => !Keywords.Contains(name))];
    }

    // Grafana's label_values(metric, label): only the first argument is a metric.
    [GeneratedRegex(@"label_values\(\s*([^,)]*?)\s*(?:,[^)]*)?\)")]
    private static partial Regex LabelValues();

    [GeneratedRegex("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'")]
    private static partial Regex Strings();

    [GeneratedRegex(@"\$\{\w+\}|\$\w+")]
    private static partial Regex Variables();

    [GeneratedRegex(@"\{[^}]*\}")]
    private static partial Regex Matchers();

    [GeneratedRegex(@"\[[^\]]*\]")]
    private static partial Regex Ranges();

    [GeneratedRegex(@"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")]
    private static partial Regex Grouping();

    // A whole name (atomic: no backing off to a shorter one) not part of a number and not a function call.
    [GeneratedRegex(@"(?<![\w.:])(?>[a-zA-Z_:][\w:]*)(?!\s*\()")]
    private static partial Regex Identifiers();
}
