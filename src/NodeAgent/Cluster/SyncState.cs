namespace NodeAgent.Cluster;

/// <summary>The <c>sync</c> key: <c>{"leader":"pg1","sync_standby":"pg2,pg3"}</c> (names sorted, comma-joined).</summary>
public sealed record SyncState(string? Leader, IReadOnlyList<string> SyncStandbys, long ModRevision)
{
    public static readonly SyncState Empty = new(null, [], 0);
}
