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
        new("failsafe_mode", IsTrue, "keep the primary running through an etcd outage when all members answer"),
        new("standby_cluster", IsNonEmpty, "replicate this cluster from another one (a standby leader)"),
    ];

    /// <summary>Keys of the local file, from its top level.</summary>
    private static readonly Entry[] Local =
    [
        new("postgresql.create_replica_methods", v => v.ToJsonString() is not ("[\"basebackup\"]" or "\"basebackup\""),
            "create replicas with these methods (only basebackup is used)"),
        new("postgresql.create_replica_method", v => v.ToJsonString() is not ("[\"basebackup\"]" or "\"basebackup\""),
            "create replicas with these methods (only basebackup is used)"),
        new("bootstrap.method", v => !JsonScalars.TryGetText(v, out var m) || m != "initdb", "initialise the cluster with this custom method (only initdb is used)"),
        new("bootstrap.post_bootstrap", IsNonEmpty, "run this script after initialising the cluster"),
        new("bootstrap.post_init", IsNonEmpty, "run this script after initialising the cluster"),
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
