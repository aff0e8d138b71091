using System.Text.Json.Nodes;

namespace NodeAgent.Configuration.Parsing;

/// <summary>
/// initdb and basebackup options: a list of "flag" strings and single-key maps, or a map;
/// rendered as "flag" or "key=value" (Patroni's <c>process_user_options</c>).
/// </summary>
internal static class OptionLists
{
    public static IReadOnlyList<string>? Read(ConfigSection s, string key)
    {
        var node = s.Raw(key);
        var options = new List<string>();
        switch (node)
        {
            case null:
                return null;
            case JsonObject map:
                AddMap(s, key, map, options);
                return options;
            case JsonArray list:
                foreach (var item in list)
                {
                    if (item is JsonObject single && single.Count == 1)
                    {
                        AddMap(s, key, single, options);
                    }
                    else if (JsonScalars.TryGetText(item, out var flag))
                    {
                        options.Add(flag);
                    }
                    else
                    {
                        s.Invalid(key, $"expected an option name or a single key: value, got {JsonScalars.Describe(item)}");
                    }
                }

                return options;
            default:
                s.Invalid(key, $"expected a list or a mapping of options, got {JsonScalars.Describe(node)}");
                return null;
        }
    }

    private static void AddMap(ConfigSection s, string key, JsonObject map, List<string> options)
    {
        foreach (var (name, value) in map)
        {
            if (JsonScalars.TryGetText(value, out var text))
            {
                options.Add(name + "=" + text);
            }
            else
            {
                s.Invalid(key + "." + name, $"expected a single value, got {JsonScalars.Describe(value)}");
            }
        }
    }
}
