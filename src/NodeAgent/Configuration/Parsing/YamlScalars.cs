using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace NodeAgent.Configuration.Parsing;

/// <summary>
/// YAML 1.1 implicit typing as PyYAML's safe_load applies it: unquoted on/off/yes/no/true/false are
/// booleans, 0755 is octal, 1e3 (no dot) stays a string, quoted values are always strings.
/// </summary>
internal static partial class YamlScalars
{
    public static JsonNode? Resolve(YamlScalarNode scalar)
    {
        var text = scalar.Value ?? "";
        if (scalar.Style != ScalarStyle.Plain)
        {
            return JsonValue.Create(text);
        }

        var tag = scalar.Tag.IsEmpty ? null : scalar.Tag.Value;
        if (tag is "tag:yaml.org,2002:str")
        {
            return JsonValue.Create(text);
        }

        return ResolvePlain(text);
    }

    public static JsonNode? ResolvePlain(string text)
    {
        if (text.Length == 0 || text is "~" or "null" or "Null" or "NULL")
        {
            return null;
        }

        if (BoolPattern().IsMatch(text))
        {
            var lower = text.ToLowerInvariant();
            return JsonValue.Create(lower is "yes" or "true" or "on");
        }

        if (TryParseInteger(text, out var integer))
        {
            return JsonValue.Create(integer);
        }

        if (FloatPattern().IsMatch(text) && text.Any(char.IsAsciiDigit)
            && double.TryParse(text.Replace("_", "", StringComparison.Ordinal), NumberStyles.Float, CultureInfo.InvariantCulture, out var real))
        {
            return JsonValue.Create(real);
        }

        return JsonValue.Create(text);
    }

    private static bool TryParseInteger(string text, out long value)
    {
        value = 0;
        if (!IntPattern().IsMatch(text))
        {
            return false;
        }

        var negative = text[0] == '-';
        var body = text.TrimStart('-', '+').Replace("_", "", StringComparison.Ordinal);
        long magnitude;
        try
        {
            if (body.StartsWith("0x", StringComparison.Ordinal))
            {
                magnitude = System.Convert.ToInt64(body[2..], 16);
            }
            else if (body.StartsWith("0b", StringComparison.Ordinal))
            {
                magnitude = System.Convert.ToInt64(body[2..], 2);
            }
            else if (body.Length > 1 && body[0] == '0')
            {
                magnitude = System.Convert.ToInt64(body[1..], 8);
            }
            else if (!long.TryParse(body, NumberStyles.None, CultureInfo.InvariantCulture, out magnitude))
            {
                return false;
            }
        }
        catch (OverflowException)
        {
            return false;
        }

        value = negative ? -magnitude : magnitude;
        return true;
    }

    [GeneratedRegex("^(yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$")]
    private static partial Regex BoolPattern();

    [GeneratedRegex("^[-+]?(0b[0-1_]+|0[0-7_]+|0|[1-9][0-9_]*|0x[0-9a-fA-F_]+)$")]
    private static partial Regex IntPattern();

    [GeneratedRegex(@"^[-+]?([0-9][0-9_]*)?\.[0-9_]*([eE][-+][0-9]+)?$")]
    private static partial Regex FloatPattern();
}
