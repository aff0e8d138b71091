namespace NodeAgent.Configuration;

public sealed record PostgresqlConfig
{
    /// <summary>Comma-separated hosts, then ":port", e.g. "0.0.0.0:5432".</summary>
    public string Listen { get; init; } = "0.0.0.0:5432";
    public string? ConnectAddress { get; init; }
    public string? ProxyAddress { get; init; }
    public string DataDir { get; init; } = "";
    public string? ConfigDir { get; init; }
    public string? BinDir { get; init; }
    /// <summary>Patroni's default is ~/pgpass (no dot).</summary>
    public string? PgPass { get; init; }
    public string Database { get; init; } = "postgres";
    public string? ConfigBaseName { get; init; }
    public string? CustomConf { get; init; }
    public bool UseUnixSocket { get; init; }
    public bool UseUnixSocketRepl { get; init; }
    public string? KrbSrvName { get; init; }
    public PostgresAuthentication Authentication { get; init; } = new();
    public CallbacksConfig Callbacks { get; init; } = new();
    public IReadOnlyList<string> CreateReplicaMethods { get; init; } = ["basebackup"];
    /// <summary>pg_basebackup options: "verbose" or "max-rate=100M".</summary>
    public IReadOnlyList<string> Basebackup { get; init; } = [];
    public IReadOnlyDictionary<string, ReplicaMethodConfig> ReplicaMethods { get; init; } = new Dictionary<string, ReplicaMethodConfig>();
    public IReadOnlyDictionary<string, string> RecoveryConf { get; init; } = new Dictionary<string, string>();
    /// <summary>Local GUCs; merged with the dynamic ones by the rules of <c>postgresql/config.py:ConfigHandler</c>.</summary>
    public IReadOnlyDictionary<string, string> Parameters { get; init; } = new Dictionary<string, string>();
    public IReadOnlyList<string> PgHba { get; init; } = [];
    public IReadOnlyList<string> PgIdent { get; init; } = [];
    public int PgCtlTimeout { get; init; } = 60;
    /// <summary>
    /// Seconds a primary demoted by a switchover accepts no TCP clients (unix socket only), so a proxy that has not yet
    /// marked it down cannot route writes to it as a replica. 10: the seed's HAProxy `inter 3s fall 3`, plus 1 s. 0: off.
    /// </summary>
    public int DemotedClientHoldoff { get; init; } = 10;
    /// <summary>
    /// During the hold-off the agent takes the TCP clients a proxy still sends and relays them to the new primary once it
    /// runs (NodeAgent only). false: they are refused.
    /// </summary>
    public bool DemotedClientRelay { get; init; } = true;
    /// <summary>Seconds one create_replica_methods entry (pg_basebackup or a restore command) may run before it is killed.</summary>
    public int CreateReplicaTimeout { get; init; } = 6 * 3600;
    /// <summary>Seconds pg_rewind may run before it is killed.</summary>
    public int RewindTimeout { get; init; } = 3600;
    /// <summary>Seconds initdb may run before it is killed.</summary>
    public int InitdbTimeout { get; init; } = 600;
    public bool? UsePgRewind { get; init; }
    public bool RemoveDataDirectoryOnRewindFailure { get; init; }
    public bool RemoveDataDirectoryOnDivergedTimelines { get; init; }
    public string? PrePromote { get; init; }
    public string? BeforeStop { get; init; }
}

public sealed record PostgresAuthentication
{
    public PostgresUser Superuser { get; init; } = new() { Username = "postgres" };
    public PostgresUser Replication { get; init; } = new() { Username = "replicator" };
    public PostgresUser? Rewind { get; init; }
}

public sealed record PostgresUser
{
    public required string Username { get; init; }
    public string? Password { get; init; }
    public string? SslMode { get; init; }
    public string? SslKey { get; init; }
    public string? SslPassword { get; init; }
    public string? SslCert { get; init; }
    public string? SslRootCert { get; init; }
    public string? SslCrl { get; init; }
    public string? SslCrlDir { get; init; }
    public string? GssEncMode { get; init; }
    public string? ChannelBinding { get; init; }
}

public sealed record CallbacksConfig
{
    public string? OnStart { get; init; }
    public string? OnStop { get; init; }
    public string? OnRestart { get; init; }
    public string? OnReload { get; init; }
    public string? OnRoleChange { get; init; }
}

/// <summary>
/// One <c>create_replica_methods</c> section. <paramref name="Params"/> is every key but <c>command</c>, in the order
/// written, with values as Python's str() prints them ("True"): Patroni passes them to the command as --key=value.
/// </summary>
public sealed record ReplicaMethodConfig(string Command, bool KeepData, bool NoParams, bool NoLeader, IReadOnlyList<KeyValuePair<string, string>> Params);
