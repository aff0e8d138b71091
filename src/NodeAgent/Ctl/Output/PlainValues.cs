using System.Collections;
using System.Globalization;
using System.Text.Json.Nodes;

namespace NodeAgent.Ctl.Output;

/// <summary>Turns the plain CLR values the member codec produces for tags into JSON nodes for output.</summary>
internal static class PlainValues
{
    public static JsonNode? ToNode(object? value) => value switch
    {
        null => null,
        JsonNode node => node.DeepClone(),
        string s => JsonValue.Create(s),
        bool b => JsonValue.Create(b),
        int i => JsonValue.Create(i),
        long l => JsonValue.Create(l),
        ulong u => JsonValue.Create(u),
        double d => JsonValue.Create(d),
        decimal m => JsonValue.Create(m),
        IEnumerable<KeyValuePair<string, object?>> dict => ToObject(dict),
        IEnumerable list => new JsonArray([.. list.Cast<object?>().Select(ToNode)]),
        _ => JsonValue.Create(Convert.ToString(value, CultureInfo.InvariantCulture)),
    };

    public static JsonObject ToObject(IEnumerable<KeyValuePair<string, object?>> dict)
    {
        var obj = new JsonObject();
        foreach (var (key, value) in dict)
        {
            obj[key] = ToNode(value);
        }

        return obj;
    }
}
