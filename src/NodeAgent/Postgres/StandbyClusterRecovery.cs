using NodeAgent.Configuration;

namespace NodeAgent.Postgres;

/// <summary>
/// The standby_cluster settings that override recovery_conf (postgresql/config.py:build_recovery_params): restore_command
/// and archive_cleanup_command for every member that follows someone in a standby cluster, recovery_min_apply_delay
/// only for the standby leader, which follows the remote primary.
/// </summary>
internal static class StandbyClusterRecovery
{
    public static void Apply(IDictionary<string, string> recovery, DynamicConfig dynamic, UpstreamTarget? upstream)
    {
        if (upstream is null)
        {
            return;
        }

        // ha.py:_get_node_to_follow copies them onto the member to follow only while this is a standby cluster.
        var source = upstream.Remote ?? dynamic.StandbyCluster;
        if (source is null)
        {
            return;
        }

        Set(recovery, "restore_command", source.RestoreCommand);
        Set(recovery, "archive_cleanup_command", source.ArchiveCleanupCommand);
        if (upstream.Remote is not null)
        {
            Set(recovery, "recovery_min_apply_delay", source.RecoveryMinApplyDelay);
        }
    }

    private static void Set(IDictionary<string, string> recovery, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            recovery[name] = value;
        }
    }
}
