using System.Text.Json.Nodes;

namespace NodeAgent.Configuration.Parsing;

/// <summary>Patroni's <c>patch_config</c>: maps merge recursively, anything else replaces, null removes.</summary>
internal static class JsonTreeMerge
{
    public static void Patch(JsonObject target, JsonObject patch)
    {
        foreach (var (name, value) in patch.ToList())
        {
            if (value is null)
            {
                target.Remove(name);
            }
            else if (value is JsonObject patchObj && target[name] is JsonObject targetObj)
            {
                Patch(targetObj, patchObj);
            }
            else
            {
                target[name] = value.DeepClone();
            }
        }
    }
}
