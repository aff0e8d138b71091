using System.Text.Json.Nodes;

namespace NodeAgent.Cluster;

/// <summary>
/// The value of <c>members/&lt;name&gt;</c> (<c>ha.py:touch_member</c>). Serialised by <c>MemberDataCodec</c>
/// in Patroni's field order as compact JSON.
/// </summary>
public sealed record MemberData
{
    public required string ConnUrl { get; init; }
    public required string ApiUrl { get; init; }
    /// <summary>Patroni state words: running, stopped, starting, creating replica, ...</summary>
    public required string State { get; init; }
    public required MemberRole Role { get; init; }
    public string Version { get; init; } = AgentVersion.PatroniCompatible;
    public string? ProxyUrl { get; init; }
    public bool? CheckpointAfterPromote { get; init; }
    /// <summary>Tags with Patroni's omissions applied (false nofailover/noloadbalance/nosync/clonefrom dropped).</summary>
    public IReadOnlyDictionary<string, object?>? Tags { get; init; }
    public bool PendingRestart { get; init; }
    public ulong? XlogLocation { get; init; }
    public int? Timeline { get; init; }
    /// <summary><c>{"schedule":iso,"postmaster_start_time":..}</c> while a restart is scheduled, kept as JSON.</summary>
    public JsonObject? ScheduledRestart { get; init; }
    public bool Pause { get; init; }

    /// <summary>Fields NodeAgent adds beyond Patroni 3.0.2; other readers ignore unknown keys.</summary>
    public string? ReplicationState { get; init; }

    /// <summary>
    /// NodeAgent's own version (NodeAgent only): <see cref="Version"/> stays the Patroni version we behave as, which
    /// Patroni parses as numbers (dcs/__init__.py:Member.checkpoint_after_promote), so a mixed cluster tells us apart here.
    /// </summary>
    public string? NodeAgentVersion { get; init; }

    /// <summary>While pg_basebackup creates this replica: bytes copied of the total (NodeAgent only).</summary>
    public Postgres.BasebackupProgress? BasebackupProgress { get; init; }

    /// <summary>The node's /dev/watchdog (NodeAgent only).</summary>
    public DeadmanData? Watchdog { get; init; }

    /// <summary>The node's fencing process, the watchdog that works without a device (NodeAgent only).</summary>
    public DeadmanData? Fencing { get; init; }

    public bool NoFailover => Tags is not null && Tags.TryGetValue("nofailover", out var v) && IsTrue(v);

    /// <summary>Tagged never to be a synchronous standby.</summary>
    public bool NoSync => Tags is not null && Tags.TryGetValue("nosync", out var v) && IsTrue(v);

    /// <summary>Tagged as a preferred source for new replicas (dcs/__init__.py:Member.clonefrom).</summary>
    public bool CloneFrom => Tags is not null && Tags.TryGetValue("clonefrom", out var v) && IsTrue(v) && ConnUrl.Length > 0;

    private static bool IsTrue(object? v) => v switch
    {
        bool b => b,
        string s => s.Equals("true", StringComparison.OrdinalIgnoreCase),
        JsonValue j when j.TryGetValue<bool>(out var b) => b,
        JsonValue j when j.TryGetValue<string>(out var s) => s.Equals("true", StringComparison.OrdinalIgnoreCase),
        _ => false,
    };
}
