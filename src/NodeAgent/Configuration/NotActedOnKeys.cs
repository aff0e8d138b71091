using System.Text.Json.Nodes;
using NodeAgent.Configuration.Parsing;

namespace NodeAgent.Configuration;

/// <summary>
/// Patroni keys the loader reads (so they are not "unknown") but the agent does not act on yet. Each one set to
/// something other than its default is a warning naming the key, at --validate-config, at start-up and at
/// SIGHUP; cluster-wide keys also when they arrive through PUT/PATCH /config or edit-config. Delete an entry
/// in the same commit that makes the agent act on its key.
/// </summary>
internal static class NotActedOnKeys
{
    /// <summary>One key: its dotted path and when its value differs from what the agent does anyway.</summary>
    private sealed record Entry(string Path, Func<JsonNode, bool> IsSet, string PatroniWould);

    /// <summary>Cluster-wide keys (bootstrap.dcs and the etcd <c>config</c> key), relative to that section.</summary>
    private static readonly Entry[] Dynamic =
    [
        new("standby_cluster.create_replica_methods", v => !IsBasebackupOnly(v),
            "create the standby leader with these methods (only basebackup is used)"),
    ];

    /// <summary>Keys of the local file, from its top level.</summary>
    private static readonly Entry[] Local =
    [
    ];

    /// <summary>Warnings for the local config tree; bootstrap.dcs is covered by <see cref="CheckDynamic"/>.</summary>
    public static void CheckLocal(JsonObject tree, ConfigProblems problems)
    {
        ArgumentNullException.ThrowIfNull(tree);
        Check(tree, "", Local, problems);
    }

    /// <summary>Warnings for a dynamic config; <paramref name="prefix"/> is "bootstrap.dcs" or "" (the config key).</summary>
    public static void CheckDynamic(JsonObject config, string prefix, ConfigProblems problems)
    {
        ArgumentNullException.ThrowIfNull(config);
        Check(config, prefix, Dynamic, problems);
    }

    private static void Check(JsonObject root, string prefix, Entry[] entries, ConfigProblems problems)
    {
        foreach (var entry in entries)
        {
            if (Find(root, entry.Path) is { } value && entry.IsSet(value))
            {
                var path = prefix.Length == 0 ? entry.Path : prefix + "." + entry.Path;
                problems.Warning(path, $"not acted on yet: Patroni would {entry.PatroniWould}; NodeAgent ignores it");
            }
        }
    }

    private static JsonNode? Find(JsonObject root, string path)
    {
        JsonNode? node = root;
        foreach (var key in path.Split('.'))
        {
            node = node is JsonObject obj && obj.TryGetPropertyValue(key, out var child) ? child : null;
        }

        return node;
    }

    /// <summary>Empty, "basebackup", or a list holding only it: what a standby leader's clone can do.</summary>
    private static bool IsBasebackupOnly(JsonNode value) => value switch
    {
        JsonArray array => array.All(item => item is not null && JsonScalars.TryGetText(item, out var m) && m.Trim() == "basebackup"),
        _ => JsonScalars.TryGetText(value, out var text) && text.Split(',').All(m => m.Trim() is "basebackup" or ""),
    };

    private static bool IsTrue(JsonNode value) => JsonScalars.TryGetBool(value, out var b) && b;

    private static bool IsNumber(JsonNode value, long expected) => JsonScalars.TryGetLong(value, out var n) && n == expected;

    private static bool IsText(JsonNode value, string expected) =>
        JsonScalars.TryGetText(value, out var text) && string.Equals(text, expected, StringComparison.OrdinalIgnoreCase);

    private static bool IsNonEmpty(JsonNode value) => value switch
    {
        JsonObject obj => obj.Count > 0,
        JsonArray array => array.Count > 0,
        _ => JsonScalars.TryGetText(value, out var text) ? text.Length > 0 : true,
    };
}
