namespace NodeAgent.Configuration;

/// <summary>
/// The cluster-wide settings that live in the <c>config</c> key (Patroni's dynamic configuration),
/// defaults from <c>config.py:Config.__DEFAULT_CONFIG</c>. Parsed from YAML (<c>bootstrap.dcs</c>) or from the key's JSON.
/// </summary>
public sealed record DynamicConfig
{
    public int Ttl { get; init; } = 30;
    public int LoopWait { get; init; } = 10;
    public int RetryTimeout { get; init; } = 10;
    public long MaximumLagOnFailover { get; init; } = 1048576;
    public long MaximumLagOnSyncnode { get; init; } = -1;
    public int MaxTimelinesHistory { get; init; }
    public int PrimaryStartTimeout { get; init; } = 300;
    public int PrimaryStopTimeout { get; init; }
    public bool SynchronousMode { get; init; }
    /// <summary><c>synchronous_mode: quorum</c> (Patroni 4): ANY n synchronous_standby_names and the key's quorum.</summary>
    public bool QuorumCommit { get; init; }
    public bool SynchronousModeStrict { get; init; }
    public int SynchronousNodeCount { get; init; } = 1;
    public bool FailsafeMode { get; init; }
    public bool CheckTimeline { get; init; }
    public bool Pause { get; init; }
    public DynamicPostgresqlConfig Postgresql { get; init; } = new();
    public StandbyClusterConfig? StandbyCluster { get; init; }
    public IReadOnlyDictionary<string, SlotConfig> Slots { get; init; } = new Dictionary<string, SlotConfig>();
    public IReadOnlyList<IgnoreSlotRule> IgnoreSlots { get; init; } = [];
}

public sealed record DynamicPostgresqlConfig
{
    public bool UsePgRewind { get; init; }
    public bool UseSlots { get; init; } = true;
    /// <summary>GUCs as strings, exactly as written (e.g. "on", "5432", "*").</summary>
    public IReadOnlyDictionary<string, string> Parameters { get; init; } = new Dictionary<string, string>();
    public IReadOnlyList<string> PgHba { get; init; } = [];
    public IReadOnlyList<string> PgIdent { get; init; } = [];
    public IReadOnlyDictionary<string, string> RecoveryConf { get; init; } = new Dictionary<string, string>();
    /// <summary>Set cluster-wide here; a local <c>postgresql</c> value wins.</summary>
    public bool? RemoveDataDirectoryOnRewindFailure { get; init; }
    public bool? RemoveDataDirectoryOnDivergedTimelines { get; init; }
}

public sealed record StandbyClusterConfig
{
    public string? Host { get; init; }
    public int? Port { get; init; }
    public string? PrimarySlotName { get; init; }
    public IReadOnlyList<string> CreateReplicaMethods { get; init; } = [];
    public string? RestoreCommand { get; init; }
    public string? ArchiveCleanupCommand { get; init; }
    public string? RecoveryMinApplyDelay { get; init; }
}

/// <summary>A permanent slot: physical, or logical with database and plugin.</summary>
public sealed record SlotConfig(string Type, string? Database, string? Plugin);

/// <summary>One <c>ignore_slots</c> entry: a slot matching every attribute given is never dropped (slots.py:ignore_replication_slot).</summary>
public sealed record IgnoreSlotRule(string? Name, string? Type, string? Database, string? Plugin)
{
    public bool Matches(string name, string type, string? database, string? plugin) =>
        (Name is null || Name == name)
        && (Type is null || Type == type)
        && (Database is null || Database == database)
        && (Plugin is null || Plugin == plugin);
}
