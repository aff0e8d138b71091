using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace NodeAgent.Configuration.Parsing;

/// <summary>Lenient conversions of JSON scalars, matching what Patroni's int() / parse_bool / str() accept.</summary>
internal static class JsonScalars
{
    public static bool IsScalar(JsonNode? node) => node is JsonValue;

    /// <summary>Strings as written; numbers in their JSON text; booleans as true/false.</summary>
    public static bool TryGetText(JsonNode? node, out string text)
    {
        text = "";
        if (node is not JsonValue value)
        {
            return false;
        }

        switch (value.GetValueKind())
        {
            case JsonValueKind.String:
                text = value.GetValue<string>();
                return true;
            case JsonValueKind.Number:
                text = value.ToJsonString();
                return true;
            case JsonValueKind.True:
                text = "true";
                return true;
            case JsonValueKind.False:
                text = "false";
                return true;
            default:
                return false;
        }
    }

    /// <summary>A scalar as Python's str() prints what PyYAML read: booleans True/False, numbers and strings as written.</summary>
    public static bool TryGetPythonText(JsonNode? node, out string text)
    {
        if (!TryGetText(node, out text))
        {
            return false;
        }

        if (node!.GetValueKind() is JsonValueKind.True or JsonValueKind.False)
        {
            text = text == "true" ? "True" : "False";
        }

        return true;
    }

    /// <summary>A GUC value as postgresql.conf wants it: booleans become on/off, numbers keep their text.</summary>
    public static string ToGucText(JsonNode? node)
    {
        if (node is JsonValue value)
        {
            var kind = value.GetValueKind();
            if (kind == JsonValueKind.True)
            {
                return "on";
            }

            if (kind == JsonValueKind.False)
            {
                return "off";
            }
        }

        return TryGetText(node, out var text) ? text : node?.ToJsonString() ?? "";
    }

    /// <summary>Integers, integral floats truncated (Python int()), and strings holding an integer.</summary>
    public static bool TryGetLong(JsonNode? node, out long result)
    {
        result = 0;
        if (node is not JsonValue value)
        {
            return false;
        }

        switch (value.GetValueKind())
        {
            case JsonValueKind.Number:
                if (value.TryGetValue(out long l))
                {
                    result = l;
                    return true;
                }

                // A value built in code keeps its CLR type (JsonValue<int>), which converts to nothing else.
                if (value.TryGetValue(out int i))
                {
                    result = i;
                    return true;
                }

                if (value.TryGetValue(out double d) && !double.IsNaN(d) && Math.Abs(d) < long.MaxValue)
                {
                    result = (long)Math.Truncate(d);
                    return true;
                }

                return value.TryGetValue(out JsonElement e) && e.TryGetInt64(out result);
            case JsonValueKind.String:
                return long.TryParse(value.GetValue<string>().Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out result);
            default:
                return false;
        }
    }

    public static bool TryGetInt(JsonNode? node, out int result)
    {
        result = 0;
        if (!TryGetLong(node, out var l) || l is < int.MinValue or > int.MaxValue)
        {
            return false;
        }

        result = (int)l;
        return true;
    }

    /// <summary>Patroni's parse_bool: on/true/yes/1 and off/false/no/0, any case.</summary>
    public static bool TryGetBool(JsonNode? node, out bool result)
    {
        result = false;
        if (node is JsonValue value)
        {
            var kind = value.GetValueKind();
            if (kind is JsonValueKind.True or JsonValueKind.False)
            {
                result = kind == JsonValueKind.True;
                return true;
            }
        }

        if (!TryGetText(node, out var text))
        {
            return false;
        }

        switch (text.Trim().ToLowerInvariant())
        {
            case "on" or "true" or "yes" or "1":
                result = true;
                return true;
            case "off" or "false" or "no" or "0":
                result = false;
                return true;
            default:
                return false;
        }
    }

    public static string Describe(JsonNode? node) => node switch
    {
        null => "null",
        JsonObject => "a mapping",
        JsonArray => "a list",
        _ => node.ToJsonString(),
    };
}
