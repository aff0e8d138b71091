using System.Text.Json.Nodes;

namespace NodeAgent.Cluster;

/// <summary>
/// One consistent snapshot of everything under <c>/&lt;namespace&gt;/&lt;scope&gt;/</c>, as the DCS cache holds it.
/// Immutable: the HA decision reads it, nobody mutates it.
/// </summary>
public sealed record ClusterView
{
    public static readonly ClusterView Empty = new();

    /// <summary>Value of <c>initialize</c>: null when absent, "" while bootstrapping, else the system identifier.</summary>
    public string? Initialize { get; init; }

    /// <summary>The <c>config</c> key as JSON (kept whole so unknown keys survive a round trip).</summary>
    public JsonObject? Config { get; init; }
    public long ConfigModRevision { get; init; }

    public LeaderKey? Leader { get; init; }
    public IReadOnlyList<Member> Members { get; init; } = [];
    public FailoverRequest? Failover { get; init; }
    public IReadOnlyList<TimelineHistoryEntry> History { get; init; } = [];

    /// <summary><c>status.optime</c> (falls back to legacy <c>optime/leader</c>), 0 when unknown.</summary>
    public ulong LastLsn { get; init; }

    /// <summary>The <c>sync</c> key (<see cref="SyncState.Empty"/> when absent).</summary>
    public SyncState Sync { get; init; } = SyncState.Empty;

    /// <summary>The <c>failsafe</c> key: member name -> api_url; null when absent or unreadable.</summary>
    public IReadOnlyDictionary<string, string>? Failsafe { get; init; }

    /// <summary>etcd revision this view was built at.</summary>
    public long Revision { get; init; }

    public Member? FindMember(string name) => Members.FirstOrDefault(m => m.Name == name);

    public Member? LeaderMember => Leader is null ? null : FindMember(Leader.Name);

    public bool IsLocked => Leader is not null;

    /// <summary>Timeline of the cluster as derived from the history key: last entry + 1, or 1.</summary>
    public int Timeline => History.Count == 0 ? 1 : History[^1].Timeline + 1;
}
