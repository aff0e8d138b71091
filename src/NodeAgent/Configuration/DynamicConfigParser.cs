using System.Text.Json.Nodes;
using NodeAgent.Configuration.Parsing;

namespace NodeAgent.Configuration;

/// <summary>
/// Maps the cluster-wide settings (the etcd <c>config</c> key, or <c>bootstrap.dcs</c>) to <see cref="DynamicConfig"/>.
/// Like Patroni's <c>_safe_copy_dynamic_configuration</c> it is tolerant: unknown keys are ignored, numbers given as
/// strings are accepted, master_* aliases are honoured, and a bad value keeps the default.
/// </summary>
public static class DynamicConfigParser
{
    private static readonly string[] LocalOnlyPostgresqlKeys =
        ["connect_address", "proxy_address", "listen", "config_dir", "data_dir", "pgpass", "authentication"];

    /// <summary>Tolerant parse of the <c>config</c> key's JSON; problems are dropped.</summary>
    public static DynamicConfig FromJson(JsonObject json) => FromJson(json, out _);

    /// <summary>Tolerant parse; <paramref name="warnings"/> lists the values that were unusable and left at default.</summary>
    public static DynamicConfig FromJson(JsonObject json, out IReadOnlyList<ConfigProblem> warnings)
    {
        ArgumentNullException.ThrowIfNull(json);
        var problems = new ConfigProblems();
        var config = Parse(new ConfigSection(json, "config", problems, ConfigSeverity.Warning), reportUnknown: false);
        warnings = problems.Items;
        return config;
    }

    internal static DynamicConfig Parse(ConfigSection s, bool reportUnknown)
    {
        var defaults = new DynamicConfig();
        var config = new DynamicConfig
        {
            Ttl = s.Int("ttl", defaults.Ttl),
            LoopWait = s.Int("loop_wait", defaults.LoopWait),
            RetryTimeout = s.Int("retry_timeout", defaults.RetryTimeout),
            MaximumLagOnFailover = s.Long("maximum_lag_on_failover", defaults.MaximumLagOnFailover),
            MaximumLagOnSyncnode = s.Long("maximum_lag_on_syncnode", defaults.MaximumLagOnSyncnode),
            MaxTimelinesHistory = s.Int("max_timelines_history", defaults.MaxTimelinesHistory),
            PrimaryStartTimeout = AliasedInt(s, "primary_start_timeout", "master_start_timeout", defaults.PrimaryStartTimeout),
            PrimaryStopTimeout = AliasedInt(s, "primary_stop_timeout", "master_stop_timeout", defaults.PrimaryStopTimeout),
            // global_config.py:is_synchronous_mode: true, or the string quorum (is_quorum_commit_mode).
            SynchronousMode = IsQuorum(s) || s.Bool("synchronous_mode", defaults.SynchronousMode),
            QuorumCommit = IsQuorum(s),
            SynchronousModeStrict = s.Bool("synchronous_mode_strict", defaults.SynchronousModeStrict),
            SynchronousNodeCount = s.Int("synchronous_node_count", defaults.SynchronousNodeCount),
            FailsafeMode = s.Bool("failsafe_mode", defaults.FailsafeMode),
            CheckTimeline = s.Bool("check_timeline", defaults.CheckTimeline),
            Pause = s.Bool("pause", defaults.Pause),
            Postgresql = ParsePostgresql(s.SectionOrEmpty("postgresql"), reportUnknown),
            StandbyCluster = ParseStandbyCluster(s.Section("standby_cluster"), reportUnknown),
            Slots = ParseSlots(s, reportUnknown),
            IgnoreSlots = ParseIgnoreSlots(s),
        };

        if (reportUnknown)
        {
            s.ReportUnknownKeys();
        }

        return config;
    }

    private static bool IsQuorum(ConfigSection s) =>
        JsonScalars.TryGetText(s.Raw("synchronous_mode"), out var text) && text.Trim().Equals("quorum", StringComparison.OrdinalIgnoreCase);

    private static int AliasedInt(ConfigSection s, string key, string alias, int fallback)
    {
        // Patroni takes the old master_* name only when the new name is absent.
        var value = s.OptionalInt(key);
        var old = s.OptionalInt(alias);
        return value ?? old ?? fallback;
    }

    private static DynamicPostgresqlConfig ParsePostgresql(ConfigSection s, bool reportUnknown)
    {
        var defaults = new DynamicPostgresqlConfig();
        var config = new DynamicPostgresqlConfig
        {
            UsePgRewind = s.Bool("use_pg_rewind", defaults.UsePgRewind),
            UseSlots = s.Bool("use_slots", defaults.UseSlots),
            Parameters = s.StringMap("parameters", guc: true) ?? defaults.Parameters,
            PgHba = s.StringList("pg_hba") ?? defaults.PgHba,
            PgIdent = s.StringList("pg_ident") ?? defaults.PgIdent,
            RecoveryConf = s.StringMap("recovery_conf", guc: true) ?? defaults.RecoveryConf,
            RemoveDataDirectoryOnRewindFailure = s.OptionalBool("remove_data_directory_on_rewind_failure"),
            RemoveDataDirectoryOnDivergedTimelines = s.OptionalBool("remove_data_directory_on_diverged_timelines"),
        };

        s.MarkKnown("bin_dir", "pg_ctl_timeout");
        foreach (var key in LocalOnlyPostgresqlKeys)
        {
            if (s.Has(key))
            {
                s.MarkKnown(key);
                if (reportUnknown)
                {
                    s.Problems.Warning(s.PathOf(key), "a local setting; ignored in the dynamic configuration");
                }
            }
        }

        if (reportUnknown)
        {
            s.ReportUnknownKeys();
        }

        return config;
    }

    private static StandbyClusterConfig? ParseStandbyCluster(ConfigSection? s, bool reportUnknown)
    {
        if (s is null)
        {
            return null;
        }

        var config = new StandbyClusterConfig
        {
            Host = NullIfEmpty(s.String("host")),
            Port = s.Raw("port") is { } p && JsonScalars.TryGetText(p, out var pt) && pt.Length == 0 ? null : s.OptionalInt("port"),
            PrimarySlotName = NullIfEmpty(s.String("primary_slot_name")),
            CreateReplicaMethods = s.StringList("create_replica_methods", splitCommas: true) ?? [],
            RestoreCommand = NullIfEmpty(s.String("restore_command")),
            ArchiveCleanupCommand = NullIfEmpty(s.String("archive_cleanup_command")),
            RecoveryMinApplyDelay = NullIfEmpty(s.String("recovery_min_apply_delay")),
        };

        if (reportUnknown)
        {
            s.ReportUnknownKeys();
        }

        // Patroni's is_standby_cluster: the section only counts when it says where to replicate from.
        return config.Host is not null || config.Port is not null || config.RestoreCommand is not null ? config : null;
    }

    private static Dictionary<string, SlotConfig> ParseSlots(ConfigSection s, bool reportUnknown)
    {
        var key = s.Has("permanent_replication_slots") ? "permanent_replication_slots"
            : s.Has("permanent_slots") ? "permanent_slots" : "slots";
        s.MarkKnown("slots", "permanent_slots", "permanent_replication_slots");
        var slots = new Dictionary<string, SlotConfig>(StringComparer.Ordinal);
        var node = s.Raw(key);
        if (node is null)
        {
            return slots;
        }

        if (node is not JsonObject obj)
        {
            s.Invalid(key, $"expected a mapping of slot names, got {JsonScalars.Describe(node)}");
            return slots;
        }

        foreach (var (name, value) in obj)
        {
            if (value is null)
            {
                slots[name] = new SlotConfig("physical", null, null);
                continue;
            }

            if (value is not JsonObject slotJson)
            {
                s.Invalid(key + "." + name, $"expected a mapping with type, database, plugin; got {JsonScalars.Describe(value)}");
                continue;
            }

            var slot = new ConfigSection(slotJson, s.PathOf(key + "." + name), s.Problems, s.TypeSeverity);
            var database = slot.String("database");
            var plugin = slot.String("plugin");
            var type = slot.String("type") ?? (database is not null && plugin is not null ? "logical" : "physical");
            if (type is not ("physical" or "logical"))
            {
                slot.Invalid("type", $"must be physical or logical, got '{type}'");
                continue;
            }

            if (type == "logical" && (database is null || plugin is null))
            {
                slot.Invalid("type", "a logical slot needs database and plugin");
                continue;
            }

            if (reportUnknown)
            {
                slot.ReportUnknownKeys();
            }

            slots[name] = new SlotConfig(type, database, plugin);
        }

        return slots;
    }

    private static List<IgnoreSlotRule> ParseIgnoreSlots(ConfigSection s)
    {
        var rules = new List<IgnoreSlotRule>();
        var node = s.Raw("ignore_slots");
        if (node is null)
        {
            return rules;
        }

        if (node is not JsonArray array)
        {
            s.Invalid("ignore_slots", $"expected a list of mappings, got {JsonScalars.Describe(node)}");
            return rules;
        }

        foreach (var item in array)
        {
            if (item is JsonObject rule)
            {
                var r = new ConfigSection(rule, s.PathOf("ignore_slots"), s.Problems, s.TypeSeverity);
                rules.Add(new IgnoreSlotRule(r.String("name"), r.String("type"), r.String("database"), r.String("plugin")));
            }
            else
            {
                s.Invalid("ignore_slots", $"expected a mapping, got {JsonScalars.Describe(item)}");
            }
        }

        return rules;
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
