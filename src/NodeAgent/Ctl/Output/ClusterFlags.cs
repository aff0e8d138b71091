using System.Text.Json;
using System.Text.Json.Nodes;
using NodeAgent.Cluster;

namespace NodeAgent.Ctl.Output;

/// <summary>Cluster-wide modes read from the <c>config</c> key the way Patroni reads them.</summary>
internal static class ClusterFlags
{
    public static bool IsPaused(ClusterView view) => ParseBool(view.Config?["pause"]);

    /// <summary>dcs/__init__.py:Cluster.is_synchronous_mode.</summary>
    public static bool IsSynchronousMode(ClusterView view) => ParseBool(view.Config?["synchronous_mode"]);

    /// <summary>
    /// global_config.py:is_quorum_commit_mode (Patroni 4): <c>synchronous_mode: quorum</c>. The synchronous standbys are
    /// then quorum standbys, and a switchover candidate is not checked against the key here (api.py:is_failover_possible).
    /// </summary>
    public static bool IsQuorumCommitMode(ClusterView view) =>
        view.Config?["synchronous_mode"] is JsonValue v && v.GetValueKind() == JsonValueKind.String
        && v.GetValue<string>().Trim().Equals("quorum", StringComparison.OrdinalIgnoreCase);

    /// <summary>ctl.py / api.py cluster_as_json: the role of a member the sync key names.</summary>
    public static string SyncRole(ClusterView view) => IsQuorumCommitMode(view) ? "quorum_standby" : "sync_standby";

    /// <summary>ha.py:is_failsafe_mode: <c>failsafe_mode</c> in the dynamic config.</summary>
    public static bool IsFailsafeMode(ClusterView view) => ParseBool(view.Config?["failsafe_mode"]);

    public static bool IsStandbyCluster(ClusterView view) =>
        view.Config?["standby_cluster"] is JsonObject sc
        && (sc["host"] is not null || sc["port"] is not null || sc["restore_command"] is not null);

    public static int LoopWait(ClusterView view) =>
        view.Config?["loop_wait"] is JsonValue v && v.TryGetValue<int>(out var n) ? n : 10;

    /// <summary>Patroni's <c>parse_bool</c>: true, "on", "yes", "1" and friends.</summary>
    public static bool ParseBool(JsonNode? node) => node switch
    {
        JsonValue v when v.GetValueKind() == JsonValueKind.True => true,
        JsonValue v when v.GetValueKind() == JsonValueKind.String =>
            v.GetValue<string>().ToLowerInvariant() is "on" or "true" or "yes" or "1" or "y",
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => v.ToJsonString() != "0",
        _ => false,
    };
}
