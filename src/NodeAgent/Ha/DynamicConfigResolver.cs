using System.Text.Json.Nodes;
using NodeAgent.Cluster;
using NodeAgent.Configuration;

namespace NodeAgent.Ha;

/// <summary>
/// The effective dynamic config for the HA loop: the <c>config</c> key's values over <c>bootstrap.dcs</c>.
/// Reads only the keys the HA decision uses; a fuller merge (postgresql parameters, §5.3) can replace it
/// through the <see cref="HaLoop"/> constructor.
/// </summary>
public static class DynamicConfigResolver
{
    public static DynamicConfig Resolve(ClusterView cluster, DynamicConfig fallback)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(fallback);
        var c = cluster.Config;
        if (c is null)
        {
            return fallback;
        }

        var pg = c["postgresql"] as JsonObject;
        return fallback with
        {
            Ttl = Int(c, "ttl") ?? fallback.Ttl,
            LoopWait = Int(c, "loop_wait") ?? fallback.LoopWait,
            RetryTimeout = Int(c, "retry_timeout") ?? fallback.RetryTimeout,
            MaximumLagOnFailover = Int(c, "maximum_lag_on_failover") ?? fallback.MaximumLagOnFailover,
            MaxTimelinesHistory = (int)(Int(c, "max_timelines_history") ?? fallback.MaxTimelinesHistory),
            CheckTimeline = Bool(c, "check_timeline") ?? fallback.CheckTimeline,
            Pause = Bool(c, "pause") ?? false,
            Postgresql = fallback.Postgresql with
            {
                UseSlots = (pg is null ? null : Bool(pg, "use_slots")) ?? fallback.Postgresql.UseSlots,
                UsePgRewind = (pg is null ? null : Bool(pg, "use_pg_rewind")) ?? fallback.Postgresql.UsePgRewind,
            },
        };
    }

    private static int? Int(JsonObject o, string key) => o[key] is JsonValue v && (v.TryGetValue<long>(out var n) || (v.TryGetValue<string>(out var s) && long.TryParse(s, out n)))
        ? (int)Math.Clamp(n, int.MinValue, int.MaxValue)
        : null;

    private static bool? Bool(JsonObject o, string key) => o[key] is JsonValue v
        ? v.TryGetValue<bool>(out var b) ? b : v.TryGetValue<string>(out var s) ? s.Equals("true", StringComparison.OrdinalIgnoreCase) : null
        : null;
}
