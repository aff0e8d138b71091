using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace NodeAgent.Ctl.Output;

/// <summary>
/// Writes JSON data as YAML the way patronictl does (<c>yaml.safe_dump(data, default_flow_style=..,
/// allow_unicode=True, width=200)</c>): keys sorted, two-space block indentation with list items at the
/// parent's indentation, and strings quoted only where PyYAML would quote them.
/// </summary>
internal static partial class PyYamlEmitter
{
    public static string Dump(JsonNode? data, bool flowStyle = false)
    {
        var sb = new StringBuilder();
        if (flowStyle || IsScalar(data) || IsEmptyCollection(data))
        {
            var text = Flow(data);
            sb.Append(text);
            if (IsScalar(data) && text[0] is not '\'' and not '"')
            {
                // PyYAML ends a lone plain scalar document with an explicit end marker.
                sb.Append("\n...");
            }

            sb.Append('\n');
            return sb.ToString();
        }

        WriteBlock(sb, data!, 0);
        return sb.ToString();
    }

    private static bool IsScalar(JsonNode? node) => node is null or JsonValue;

    private static bool IsEmptyCollection(JsonNode? node) =>
        node is JsonObject { Count: 0 } or JsonArray { Count: 0 };

    private static void WriteBlock(StringBuilder sb, JsonNode node, int indent)
    {
        if (node is JsonObject obj)
        {
            foreach (var (key, value) in obj.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                sb.Append(' ', indent).Append(Scalar(key)).Append(':');
                WriteBlockValue(sb, value, indent, nestedIndent: indent + 2, inList: false);
            }
        }
        else if (node is JsonArray arr)
        {
            foreach (var item in arr)
            {
                sb.Append(' ', indent).Append('-');
                WriteBlockValue(sb, item, indent, nestedIndent: indent + 2, inList: true);
            }
        }
    }

    private static void WriteBlockValue(StringBuilder sb, JsonNode? value, int indent, int nestedIndent, bool inList)
    {
        if (IsScalar(value) || IsEmptyCollection(value))
        {
            sb.Append(' ').Append(Flow(value)).Append('\n');
            return;
        }

        if (inList)
        {
            // "- key: v" continues on the dash line; following keys align under the first.
            var inner = new StringBuilder();
            WriteBlock(inner, value!, nestedIndent);
            sb.Append(' ').Append(inner.ToString(nestedIndent, inner.Length - nestedIndent));
            return;
        }

        sb.Append('\n');
        // A list under a mapping key stays at the key's indentation (PyYAML's indentless sequence).
        WriteBlock(sb, value!, value is JsonArray ? indent : nestedIndent);
    }

    private static string Flow(JsonNode? node) => node switch
    {
        null => "null",
        JsonObject obj => "{" + string.Join(", ", obj.OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => Scalar(p.Key, flow: true) + ": " + Flow(p.Value))) + "}",
        JsonArray arr => "[" + string.Join(", ", arr.Select(Flow)) + "]",
        JsonValue v => ScalarValue(v),
        _ => "null",
    };

    private static string ScalarValue(JsonValue value) => value.GetValueKind() switch
    {
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        JsonValueKind.Null => "null",
        JsonValueKind.Number => FormatNumber(value),
        _ => Scalar(value.GetValue<string>()),
    };

    private static string FormatNumber(JsonValue value)
    {
        if (value.TryGetValue<long>(out var l))
        {
            return l.ToString(CultureInfo.InvariantCulture);
        }

        var text = value.ToJsonString();
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out l))
        {
            return l.ToString(CultureInfo.InvariantCulture);
        }

        var d = value.GetValue<double>();
        var repr = d.ToString("R", CultureInfo.InvariantCulture).ToLowerInvariant();
        if (repr.Contains('e', StringComparison.Ordinal))
        {
            var mantissa = repr[..repr.IndexOf('e', StringComparison.Ordinal)];
            var exponent = repr[(repr.IndexOf('e', StringComparison.Ordinal) + 1)..];
            if (!mantissa.Contains('.', StringComparison.Ordinal))
            {
                mantissa += ".0";
            }

            return mantissa + "e" + (exponent.StartsWith('-') ? exponent : "+" + exponent.TrimStart('+'));
        }

        return repr.Contains('.', StringComparison.Ordinal) ? repr : repr + ".0";
    }

    /// <summary>A string as PyYAML writes it: plain when unambiguous, else single- or double-quoted.</summary>
    public static string Scalar(string text, bool flow = false)
    {
        if (NeedsDoubleQuotes(text))
        {
            return DoubleQuoted(text);
        }

        if (text.Length == 0 || ResolvesToNonString(text) || !PlainAllowed(text, flow))
        {
            return "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";
        }

        return text;
    }

    private static bool NeedsDoubleQuotes(string text) =>
        text.Any(c => c == '\n' || c == '\r' || c == '\t' || char.IsControl(c)) && text != "";

    private static string DoubleQuoted(string text)
    {
        var sb = new StringBuilder("\"");
        foreach (var c in text)
        {
            sb.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ when char.IsControl(c) => string.Create(CultureInfo.InvariantCulture, $"\\x{(int)c:X2}"),
                _ => c.ToString(),
            });
        }

        return sb.Append('"').ToString();
    }

    private static bool ResolvesToNonString(string text) =>
        BoolPattern().IsMatch(text) || IntPattern().IsMatch(text) || FloatPattern().IsMatch(text)
        || NullPattern().IsMatch(text) || TimestampPattern().IsMatch(text) || text is "=" or "<<";

    /// <summary>PyYAML's <c>analyze_scalar</c>, reduced to the checks that matter for single-line strings.</summary>
    private static bool PlainAllowed(string text, bool flow)
    {
        if (text.StartsWith("---", StringComparison.Ordinal) || text.StartsWith("...", StringComparison.Ordinal))
        {
            return false;
        }

        if (text[0] == ' ' || text[^1] == ' ')
        {
            return false;
        }

        bool flowIndicators = false, blockIndicators = false;
        for (var i = 0; i < text.Length; i++)
        {
            var ch = text[i];
            var followedBySpace = i + 1 >= text.Length || text[i + 1] == ' ';
            var precededBySpace = i == 0 || text[i - 1] == ' ';
            if (i == 0)
            {
                if ("#,[]{}&*!|>'\"%@`".Contains(ch, StringComparison.Ordinal))
                {
                    flowIndicators = blockIndicators = true;
                }
                else if (ch is '?' or ':')
                {
                    flowIndicators = true;
                    blockIndicators |= followedBySpace;
                }
                else if (ch == '-' && followedBySpace)
                {
                    flowIndicators = blockIndicators = true;
                }
            }
            else if (",?[]{}".Contains(ch, StringComparison.Ordinal))
            {
                flowIndicators = true;
            }
            else if (ch == ':')
            {
                flowIndicators = true;
                blockIndicators |= followedBySpace;
            }
            else if (ch == '#' && precededBySpace)
            {
                flowIndicators = blockIndicators = true;
            }
        }

        return flow ? !flowIndicators : !blockIndicators;
    }

    [GeneratedRegex("^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$")]
    private static partial Regex BoolPattern();

    [GeneratedRegex("^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$")]
    private static partial Regex IntPattern();

    [GeneratedRegex(@"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$")]
    private static partial Regex FloatPattern();

    [GeneratedRegex("^(?:~|null|Null|NULL|)$")]
    private static partial Regex NullPattern();

    [GeneratedRegex(@"^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$")]
    private static partial Regex TimestampPattern();
}
