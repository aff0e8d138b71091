using System.Text.Json;
using System.Text.Json.Nodes;
using NodeAgent.Ctl.Output;


namespace NodeAgent.Ctl.Commands;

/// <summary>The changes <c>edit-config</c> applies: Patroni's <c>patch_config</c> and <c>-s path=value</c> setting.</summary>
internal static class ConfigEdits
{
    /// <summary><c>utils.patch_config</c>: null deletes, objects merge, other values replace when str() differs.</summary>
    public static bool Patch(JsonObject config, JsonObject patch)
    {
        var changed = false;
        foreach (var (name, value) in patch.ToList())
        {
            if (value is null)
            {
                changed |= config.Remove(name, out var old) && old is not null;
            }
            else if (config.TryGetPropertyValue(name, out var current))
            {
                if (value is JsonObject valueObject && current is JsonObject currentObject)
                {
                    changed |= Patch(currentObject, valueObject);
                }
                else if (value is JsonObject || OutputPrinter.PyStr(current) != OutputPrinter.PyStr(value))
                {
                    config[name] = value.DeepClone();
                    changed = true;
                }
            }
            else
            {
                config[name] = value.DeepClone();
                changed = true;
            }
        }

        return changed;
    }

    /// <summary>
    /// <c>-s a.b.c=value</c>: value parsed as YAML, null removes, emptied objects disappear. Under
    /// <c>postgresql.parameters</c> the rest of the path is one GUC name (GUCs may contain dots).
    /// </summary>
    public static void Set(JsonObject config, string pair, Func<string, JsonNode?> parseYaml)
    {
        var eq = pair.IndexOf('=', StringComparison.Ordinal);
        if (string.IsNullOrEmpty(pair) || eq < 0)
        {
            throw new CtlException($"Invalid parameter setting {pair}");
        }

        var path = pair[..eq].Trim().Split('.');
        SetPath(config, path, parseYaml(pair[(eq + 1)..]), []);
    }

    private static void SetPath(JsonObject config, string[] path, JsonNode? value, string[] prefix)
    {
        if (prefix is ["postgresql", "parameters"])
        {
            path = [string.Join('.', path)];
        }

        var key = path[0];
        if (path.Length == 1)
        {
            if (value is null)
            {
                config.Remove(key);
            }
            else
            {
                config[key] = value;
            }

            return;
        }

        if (config[key] is not JsonObject child)
        {
            config[key] = child = [];
        }

        SetPath(child, path[1..], value, [.. prefix, key]);
        if (child.Count == 0)
        {
            config.Remove(key);
        }
    }

    public static bool Same(JsonNode? a, JsonNode? b) => JsonNode.DeepEquals(a, b) || (a is null && b is JsonObject { Count: 0 });

    internal static JsonValueKind Kind(JsonNode? node) => node?.GetValueKind() ?? JsonValueKind.Null;
}
