namespace NodeAgent.Cluster;

/// <summary>
/// The <c>sync</c> key: <c>{"leader":"pg1","sync_standby":"pg2,pg3"}</c> (names sorted, comma-joined). In quorum commit
/// mode (Patroni 4) also <c>"quorum": n</c>: a member racing for the lock must see n of the standbys and the leader.
/// </summary>
public sealed record SyncState(string? Leader, IReadOnlyList<string> SyncStandbys, long ModRevision, int Quorum = 0)
{
    public static readonly SyncState Empty = new(null, [], 0);

    /// <summary>dcs/__init__.py:SyncState.is_empty: no leader in the key (absent, unreadable or cleared).</summary>
    public bool IsEmpty => Leader is null;

    /// <summary>dcs/__init__.py:SyncState.matches: the leader that wrote the key or one of its synchronous standbys.</summary>
    public bool Matches(string? name) => name is not null && (name == Leader || SyncStandbys.Contains(name));

    /// <summary>A synchronous standby named by the key (the leader does not count).</summary>
    public bool IsStandby(string? name) => !IsEmpty && name is not null && SyncStandbys.Contains(name);

    /// <summary>dcs/__init__.py:SyncState.members: the leader and the standbys (the voting set in quorum mode).</summary>
    public IReadOnlyList<string> Members => IsEmpty ? [] : [Leader!, .. SyncStandbys];
}
