using System.Text.Json.Nodes;

namespace NodeAgent.Commands;

/// <summary>Patroni's utils.patch_config: objects merge recursively, null deletes a key, anything else replaces.</summary>
internal static class JsonMergePatch
{
    public static JsonObject Apply(JsonObject target, JsonObject patch)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(patch);
        var result = (JsonObject)target.DeepClone();
        Merge(result, patch);
        return result;
    }

    private static void Merge(JsonObject target, JsonObject patch)
    {
        foreach (var (key, value) in patch)
        {
            if (value is null)
            {
                target.Remove(key);
            }
            else if (value is JsonObject child && target[key] is JsonObject existing)
            {
                Merge(existing, child);
            }
            else
            {
                target[key] = value.DeepClone();
            }
        }
    }
}
