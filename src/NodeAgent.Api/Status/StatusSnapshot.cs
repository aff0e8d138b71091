namespace NodeAgent.Api.Status;

/// <summary>
/// Everything the REST and gRPC surfaces answer from, published by the HA loop after each cycle.
/// Immutable: a health check never runs SQL or touches etcd.
/// </summary>
public sealed record StatusSnapshot
{
    public static readonly StatusSnapshot Starting = new() { Scope = "", Name = "", State = "starting", Role = "uninitialized" };

    public required string Scope { get; init; }
    public required string Name { get; init; }
    /// <summary>Patroni state word: running, stopped, starting, creating replica, ...</summary>
    public required string State { get; init; }
    /// <summary>Wire role: master, replica, standby_leader, uninitialized, demoted, promoted.</summary>
    public required string Role { get; init; }

    /// <summary>This node held the leader lock at <see cref="LockRenewedTimestamp"/>.</summary>
    public bool HoldsLock { get; init; }
    /// <summary>Monotonic timestamp (TimeProvider.GetTimestamp) of the last successful lock renewal.</summary>
    public long LockRenewedTimestamp { get; init; }
    /// <summary>Lease TTL in seconds (the dynamic config's).</summary>
    public int Ttl { get; init; } = 30;
    /// <summary>
    /// How long after <see cref="LockRenewedTimestamp"/> the lock is trusted by /primary: the moment the agent itself
    /// would demote, before the lease can expire. Null: <see cref="Ttl"/>.
    /// </summary>
    public TimeSpan? LockValidFor { get; init; }
    public int LoopWait { get; init; } = 10;
    /// <summary>Monotonic timestamp the HA loop is expected to run next (for /liveness).</summary>
    public long NextRunTimestamp { get; init; }

    /// <summary>Postgres accepts writes right now (primary, out of recovery, not being demoted).</summary>
    public bool AcceptsWrites { get; init; }
    /// <summary>
    /// The lock holder has started its promotion (its fence is being armed, then pg_promote): /primary answers 200 (Patroni answers from the lock
    /// alone, api.py:do_GET), so HAProxy's rise checks count while postgres leaves recovery, and /replica 503.
    /// </summary>
    public bool Promoting { get; init; }
    /// <summary>
    /// A replica demoted by a switchover that takes no TCP clients yet (the client hold-off): /replica answers 503, so a
    /// proxy sends it no readers it could not serve.
    /// </summary>
    public bool ClientsHeldOff { get; init; }
    public bool IsStandbyCluster { get; init; }
    public bool Paused { get; init; }
    public bool ClusterUnlocked { get; init; }
    public bool DcsAvailable { get; init; } = true;
    public bool PendingRestart { get; init; }

    public ulong? XlogLocation { get; init; }
    public ulong? ReceivedLocation { get; init; }
    public ulong? ReplayedLocation { get; init; }
    public string? ReplayedTimestamp { get; init; }
    public bool? ReplayPaused { get; init; }
    /// <summary>Patroni 3.0.4's replication_state: "streaming", "in archive recovery", or null (primary, or neither).</summary>
    public string? ReplicationState { get; init; }
    /// <summary>The leader's optime from the status key (for lag= on /replica).</summary>
    public ulong ClusterLastLsn { get; init; }
    public int? Timeline { get; init; }
    public int? ServerVersion { get; init; }
    /// <summary>Patroni's str(datetime) form, e.g. "2023-05-01 10:00:00.123456+00:00".</summary>
    public string? PostmasterStartTime { get; init; }
    public string? SystemIdentifier { get; init; }
    /// <summary>Unix seconds of the last successful etcd contact.</summary>
    public long? DcsLastSeen { get; init; }
    public IReadOnlyDictionary<string, object?> Tags { get; init; } = new Dictionary<string, object?>();
    public IReadOnlyList<ReplicationRow> Replication { get; init; } = [];
    public bool SyncStandby { get; init; }
    /// <summary>A replica the sync key names in quorum commit mode (Patroni 4's <c>quorum_standby</c>); then SyncStandby is false.</summary>
    public bool QuorumStandby { get; init; }

    public WatchdogStatus? Watchdog { get; init; }

    /// <summary>NodeAgent's fence process (fencing without /dev/watchdog): armed while leading.</summary>
    public WatchdogStatus? Fence { get; init; }
    public bool WatchdogFailed { get; init; }

    /// <summary>Patroni version we are compatible with, served as patroni.version and patroni_version.</summary>
    public string PatroniVersion { get; init; } = "3.0.2";
    /// <summary>NodeAgent's own version, served under the "nodeagent" extension key when set.</summary>
    public string? AgentVersion { get; init; }
    public bool FailsafeModeIsActive { get; init; }
    public ScheduledRestartStatus? ScheduledRestart { get; init; }
    /// <summary>Duration of the last HA cycle, for nodeagent_ha_loop_duration_seconds.</summary>
    public double? HaLoopDurationSeconds { get; init; }
    /// <summary>Latency of the last etcd call, for nodeagent_dcs_call_latency_seconds.</summary>
    public double? DcsCallLatencySeconds { get; init; }
    /// <summary>Counters and histograms for /metrics (nodeagent_*_total, nodeagent_*_seconds histograms).</summary>
    public AgentMetrics Metrics { get; init; } = AgentMetrics.None;
    /// <summary>Other members' api_url values, for restapi.allowlist_include_members.</summary>
    public IReadOnlyList<string> MemberApiUrls { get; init; } = [];
}

/// <summary>Patroni's scheduled_restart object; <see cref="Schedule"/> is ISO 8601.</summary>
public sealed record ScheduledRestartStatus(string Schedule, bool? RestartPending = null, string? Role = null, string? PostgresVersion = null, int? Timeout = null);

public sealed record ReplicationRow(string UseName, string ApplicationName, string? ClientAddr, string State, string SyncState, int SyncPriority);

/// <summary>NodeAgent extension (Patroni #2296): is the watchdog armed, on which device, with which timeout.</summary>
public sealed record WatchdogStatus(string Mode, string Device, bool Armed, int? TimeoutSeconds, string? LastKeepalive);
