using NodeAgent.Cluster;
using NodeAgent.Configuration;

namespace NodeAgent.Ha;

/// <summary>
/// The dynamic config in force: the <c>config</c> key when there is one, else <c>bootstrap.dcs</c>; with the
/// timing rule of Patroni 3.2 applied (loop_wait lowered), never fatal.
/// </summary>
public static class DynamicConfigResolver
{
    public static DynamicConfig Resolve(ClusterView cluster, DynamicConfig fallback)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(fallback);
        var parsed = cluster.Config is null ? fallback : DynamicConfigParser.FromJson(cluster.Config);
        return DynamicConfigTimeouts.Adjust(parsed).Config;
    }
}
