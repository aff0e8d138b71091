using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace NodeAgent.Api.Status;

/// <summary>Writes loosely typed values (tags) without reflection, so the AOT build stays warning-free.</summary>
public static class JsonValues
{
    public static void WriteDictionary(Utf8JsonWriter w, IReadOnlyDictionary<string, object?> values)
    {
        w.WriteStartObject();
        foreach (var (key, value) in values)
        {
            w.WritePropertyName(key);
            WriteValue(w, value);
        }

        w.WriteEndObject();
    }

    public static void WriteValue(Utf8JsonWriter w, object? value)
    {
        switch (value)
        {
            case null: w.WriteNullValue(); break;
            case string s: w.WriteStringValue(s); break;
            case bool b: w.WriteBooleanValue(b); break;
            case int i: w.WriteNumberValue(i); break;
            case long l: w.WriteNumberValue(l); break;
            case ulong u: w.WriteNumberValue(u); break;
            case double d: w.WriteNumberValue(d); break;
            case decimal m: w.WriteNumberValue(m); break;
            case JsonNode node: node.WriteTo(w); break;
            case JsonElement element: element.WriteTo(w); break;
            case IReadOnlyDictionary<string, object?> map: WriteDictionary(w, map); break;
            case IFormattable f: w.WriteStringValue(f.ToString(null, CultureInfo.InvariantCulture)); break;
            default: w.WriteStringValue(value.ToString()); break;
        }
    }
}
