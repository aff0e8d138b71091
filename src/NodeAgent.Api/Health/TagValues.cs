using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace NodeAgent.Api.Health;

/// <summary>Tag values as Patroni compares them: strings as-is, anything else as <c>str(v).lower()</c>.</summary>
public static class TagValues
{
    public static string? AsQueryText(object? value) => value switch
    {
        null => null,
        string s => s,
        bool b => b ? "true" : "false",
        JsonElement e => FromJson(e),
        JsonValue v when v.TryGetValue<string>(out var text) => text,
        JsonNode n => n.ToJsonString().ToLowerInvariant(),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture).ToLowerInvariant(),
        _ => value.ToString()?.ToLowerInvariant(),
    };

    private static string? FromJson(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => e.GetString(),
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => e.GetRawText().ToLowerInvariant(),
    };

    /// <summary>Patroni's <c>parse_bool</c>: on/true/yes/1 count as set.</summary>
    public static bool IsSet(IReadOnlyDictionary<string, object?> tags, string key) =>
        tags.TryGetValue(key, out var value)
        && AsQueryText(value)?.ToLowerInvariant() is "on" or "true" or "yes" or "1";
}
