using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace NodeAgent.Dcs.Etcd3;

/// <summary>Tolerant accessors for values other writers (Patroni, patronictl, humans) put into etcd.</summary>
internal static class JsonParsing
{
    public static JsonNode? TryParse(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(value);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public static JsonObject? TryParseObject(string? value) => TryParse(value) as JsonObject;

    public static string? GetString(JsonObject o, string name) => o[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    public static bool? GetBool(JsonObject o, string name) => o[name] is JsonValue v ? AsBool(v) : null;

    public static ulong? GetUInt64(JsonObject o, string name) => o[name] is JsonValue v ? AsUInt64(v) : null;

    /// <summary>Numbers, or numbers in strings (Python may store either).</summary>
    public static ulong? AsUInt64(JsonValue v)
    {
        if (v.TryGetValue<ulong>(out var u))
        {
            return u;
        }

        if (v.TryGetValue<long>(out var l))
        {
            return l >= 0 ? (ulong)l : null;
        }

        if (v.TryGetValue<double>(out var d))
        {
            return d >= 0 && d <= ulong.MaxValue ? (ulong)d : null;
        }

        return v.TryGetValue<string>(out var s) && ulong.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? p : null;
    }

    private static bool? AsBool(JsonValue v)
    {
        if (v.TryGetValue<bool>(out var b))
        {
            return b;
        }

        return v.TryGetValue<string>(out var s) && bool.TryParse(s, out var p) ? p : null;
    }

    /// <summary>bool, string, long, double, or the node itself for arrays and objects.</summary>
    public static object? ToPlainValue(JsonNode? node)
    {
        if (node is not JsonValue v)
        {
            return node?.DeepClone();
        }

        return v.GetValueKind() switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.String => v.GetValue<string>(),
            JsonValueKind.Number when v.TryGetValue<long>(out var l) => l,
            JsonValueKind.Number => v.GetValue<double>(),
            _ => null,
        };
    }
}
