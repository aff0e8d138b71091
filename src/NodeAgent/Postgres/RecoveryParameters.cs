using NodeAgent.Configuration;

namespace NodeAgent.Postgres;

/// <summary>
/// The recovery GUCs of a replica (PG 12+: written into postgresql.conf next to standby.signal), as Patroni's
/// build_recovery_params: recovery_conf without recovery_target*/primary_*, timeline latest, recovery targets
/// cleared, primary_conninfo + primary_slot_name (slot named after this member) when there is an upstream.
/// </summary>
internal static class RecoveryParameters
{
    private static readonly string[] ClearedTargets =
        ["recovery_target", "recovery_target_name", "recovery_target_time", "recovery_target_xid", "recovery_target_lsn"];

    /// <summary>
    /// Every recovery GUC, as Patroni's postgresql/validator.py recovery_parameters. They are the agent's to write, so a
    /// pending restart on one of them is not the operator's (config.py ConfigHandler.reload_config leaves them out too).
    /// </summary>
    public static readonly IReadOnlyList<string> Names =
    [
        "archive_cleanup_command", "pause_at_recovery_target", "primary_conninfo", "primary_slot_name", "promote_trigger_file",
        "recovery_end_command", "recovery_min_apply_delay", "recovery_target", "recovery_target_action",
        "recovery_target_inclusive", "recovery_target_lsn", "recovery_target_name", "recovery_target_time",
        "recovery_target_timeline", "recovery_target_xid", "restore_command", "standby_mode", "trigger_file",
    ];

    public static SortedDictionary<string, string> Build(
        AgentConfig config, DynamicConfig dynamic, UpstreamTarget? upstream)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(dynamic);
        var result = new SortedDictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        // The local recovery_conf replaces the dynamic one as a whole (effective config = local over dynamic).
        var recoveryConf = config.Postgresql.RecoveryConf.Count > 0 ? config.Postgresql.RecoveryConf : dynamic.Postgresql.RecoveryConf;
        foreach (var (name, value) in recoveryConf)
        {
            var lower = name.ToLowerInvariant();
            if (!lower.StartsWith("recovery_target", StringComparison.Ordinal) && lower is not ("primary_conninfo" or "primary_slot_name" or "standby_mode"))
            {
                result[name] = value;
            }
        }

        result["recovery_target_timeline"] = "latest";
        foreach (var target in ClearedTargets)
        {
            result[target] = "";
        }

        if (upstream is not null && upstream.MemberName != config.Name && upstream.ConnUrl.Length > 0)
        {
            var pairs = ConnInfo.ForReplication(upstream.ConnUrl, config.Postgresql.Authentication.Replication, config.Name, includePassword: true);
            // A standby leader uses the slot standby_cluster names on the remote primary, or none (ha.py:get_remote_member).
            var slot = upstream.Remote is { } remote ? remote.PrimarySlotName : config.Name;
            if (dynamic.Postgresql.UseSlots && slot is not null)
            {
                result["primary_slot_name"] = SlotNames.FromMemberName(slot);
                if (upstream.Remote is not null)
                {
                    // postgresql/config.py:build_recovery_params: with several hosts, a slot only exists on the primary.
                    pairs.Add(new("target_session_attrs", "read-write"));
                }
            }

            result["primary_conninfo"] = ConnInfo.Format(pairs);
        }

        StandbyClusterRecovery.Apply(result, dynamic, upstream);
        return result;
    }

    /// <summary>
    /// The recovery section a just-promoted primary keeps until its next start (which writes none). A reload that finds a
    /// postmaster-context line such as recovery_target gone flags it pending_restart; only the connection lines, reloadable
    /// since PG 13, go. Patroni's postgresql/__init__.py Postgresql.promote leaves postgresql.conf alone altogether.
    /// </summary>
    public static SortedDictionary<string, string>? KeptAfterPromotion(IReadOnlyDictionary<string, string>? section)
    {
        if (section is null)
        {
            return null;
        }

        var kept = new SortedDictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in section)
        {
            if (!name.Equals("primary_conninfo", StringComparison.OrdinalIgnoreCase) && !name.Equals("primary_slot_name", StringComparison.OrdinalIgnoreCase))
            {
                kept[name] = value;
            }
        }

        return kept.Count > 0 ? kept : null;
    }
}
