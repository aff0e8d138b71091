using System.Text.Json.Nodes;
using NodeAgent.Cluster;
using NodeAgent.Dcs;

namespace NodeAgent.Tests.Component;

/// <summary>
/// The etcd keys of one cluster in memory, with leases that expire when the fake clock passes their ttl.
/// Shared by every node's <see cref="InMemoryDcs"/>. Records who wrote the leader key, for fencing asserts.
/// Each lease has the TTL it was granted with, as in etcd: a keepalive extends it by that TTL, not by a store-wide one.
/// </summary>
internal sealed class InMemoryDcsStore(FakeTimeProvider time, int ttlSeconds = 30)
{
    /// <summary>The TTL a lease gets when the grant names none.</summary>
    public int LeaseTtl => ttlSeconds;

    private readonly Dictionary<long, (long Expiry, int Ttl)> _leaseExpiry = [];
    private readonly Dictionary<string, Member> _members = [];
    private long _revision = 1;
    private long _nextLease = 100;
    private long _nextExpiry;

    public bool Available { get; set; } = true;
    public string? Initialize { get; set; }
    public JsonObject? Config { get; private set; }
    public long ConfigRevision { get; private set; }
    public LeaderKey? Leader { get; private set; }
    public ulong LastLsn { get; private set; }
    public FailoverRequest? Failover { get; private set; }
    public SyncState Sync { get; private set; } = SyncState.Empty;
    public IReadOnlyList<TimelineHistoryEntry> History { get; private set; } = [];
    public List<(string Node, string Op)> LeaderWrites { get; } = [];

    public long GrantLease(int? ttl = null)
    {
        var id = ++_nextLease;
        var seconds = ttl ?? ttlSeconds;
        var expiry = time.GetTimestamp() + TimeSpan.FromSeconds(seconds).Ticks;
        _leaseExpiry[id] = (expiry, seconds);
        _nextExpiry = Math.Min(_nextExpiry, expiry);
        return id;
    }

    /// <summary>Extends the lease by its own TTL; false when it has expired (or never existed).</summary>
    public bool KeepAlive(long lease)
    {
        Expire();
        if (!_leaseExpiry.TryGetValue(lease, out var current))
        {
            return false;
        }

        _leaseExpiry[lease] = (time.GetTimestamp() + TimeSpan.FromSeconds(current.Ttl).Ticks, current.Ttl);
        return true;
    }

    /// <summary>The TTL the lease was granted with; null when it is gone.</summary>
    public int? TtlOf(long lease) => _leaseExpiry.TryGetValue(lease, out var l) ? l.Ttl : null;

    public void Check()
    {
        if (!Available)
        {
            throw new DcsUnavailableException("in-memory DCS is down");
        }

        Expire();
    }

    public ClusterView View() => new()
    {
        Initialize = Initialize,
        Config = Config?.DeepClone().AsObject(),
        ConfigModRevision = ConfigRevision,
        Leader = Leader,
        Members = [.. _members.Values.OrderBy(m => m.Name, StringComparer.Ordinal)],
        Failover = Failover,
        Sync = Sync,
        Failsafe = Failsafe,
        History = History,
        LastLsn = LastLsn,
        Revision = _revision,
    };

    public void PutMember(string name, MemberData data, long lease) => _members[name] = new Member(name, data, ++_revision, lease);

    public bool CreateLeader(string name, long lease)
    {
        LeaderWrites.Add((name, "create"));
        if (Leader is not null || !_leaseExpiry.ContainsKey(lease))
        {
            return false;
        }

        Leader = new LeaderKey(name, ++_revision, lease);
        return true;
    }

    /// <summary>
    /// An unconditional put of <c>leader</c> = name under the lease, overwriting whoever holds it. Only the
    /// deliberately broken renewal of the simulation's mutation test uses it (Patroni 3.0.2's _update_leader).
    /// </summary>
    public void PutLeader(string name, long lease)
    {
        LeaderWrites.Add((name, "put"));
        if (_leaseExpiry.ContainsKey(lease))
        {
            Leader = new LeaderKey(name, ++_revision, lease);
        }
    }

    /// <summary>
    /// Etcd3Dcs's move of the leader key to a new lease: a txn comparing value == name and lease == the old lease, then a
    /// put under the new one. False (nothing written) when the key is not ours under the old lease, or the new lease is gone.
    /// </summary>
    public bool MoveLeader(string name, long oldLease, long newLease)
    {
        LeaderWrites.Add((name, "move"));
        Expire();
        if (Leader is not { } leader || leader.Name != name || leader.Lease != oldLease || !_leaseExpiry.ContainsKey(newLease))
        {
            return false;
        }

        Leader = new LeaderKey(name, ++_revision, newLease);
        return true;
    }

    /// <summary>Timestamp at which the lease expires unless kept alive; null when it is gone.</summary>
    public long? LeaseExpiry(long lease) => _leaseExpiry.TryGetValue(lease, out var l) ? l.Expiry : null;

    /// <summary>The leader key as etcd would show it now, with expired leases dropped.</summary>
    public LeaderKey? CurrentLeader()
    {
        Expire();
        return Leader;
    }

    /// <summary>Etcd3Dcs.ReclaimAbandonedAsync: the key moves to a new lease (a new version) only while it is still that version.</summary>
    public bool ReclaimLeader(string name, long modRevision, long lease)
    {
        LeaderWrites.Add((name, "reclaim"));
        if (Leader is not { } leader || leader.Name != name || leader.ModRevision != modRevision || !_leaseExpiry.ContainsKey(lease))
        {
            return false;
        }

        Leader = new LeaderKey(name, ++_revision, lease);
        return true;
    }

    /// <summary>Etcd3Dcs.ReleaseLeaderForAsync: deletes the leader key only while it is that member's at that revision.</summary>
    public bool ReleaseLeader(string name, long modRevision)
    {
        LeaderWrites.Add((name, "release"));
        if (Leader is not { } leader || leader.Name != name || leader.ModRevision != modRevision)
        {
            return false;
        }

        Leader = null;
        return true;
    }

    public bool DeleteLeader(string name)
    {
        LeaderWrites.Add((name, "delete"));
        if (Leader?.Name != name)
        {
            return false;
        }

        Leader = null;
        return true;
    }

    public void SetConfig(JsonObject config)
    {
        Config = config;
        ConfigRevision = ++_revision;
    }

    public void SetStatus(ulong optime) => LastLsn = optime;

    public void SetFailover(FailoverRequest? failover) => Failover = failover;

    /// <summary>The <c>sync</c> key write: compare its revision and that <c>leader</c> names the writer.</summary>
    public bool SetSync(string leader, IReadOnlyList<string> standbys, long modRevision)
    {
        Expire();
        if (Sync.ModRevision != modRevision || Leader?.Name != leader)
        {
            return false;
        }

        Sync = new SyncState(leader, [.. standbys.Order(StringComparer.Ordinal)], ++_revision);
        return true;
    }

    public bool DeleteSync(long modRevision)
    {
        if (Sync.ModRevision != modRevision)
        {
            return false;
        }

        Sync = SyncState.Empty;
        return true;
    }

    public void SetHistory(IReadOnlyList<TimelineHistoryEntry> history) => History = history;

    /// <summary>The <c>failsafe</c> key, as the leader last wrote it.</summary>
    public IReadOnlyDictionary<string, string>? Failsafe { get; set; }

    private void Expire()
    {
        // The simulation checks after every event: most checks find nothing due, so skip them without allocating.
        var now = time.GetTimestamp();
        if (now < _nextExpiry)
        {
            return;
        }

        _nextExpiry = long.MaxValue;
        foreach (var (_, (expiry, _)) in _leaseExpiry)
        {
            _nextExpiry = Math.Min(_nextExpiry, expiry);
        }

        if (now < _nextExpiry)
        {
            return;
        }

        foreach (var (lease, (expiry, _)) in _leaseExpiry.ToList())
        {
            if (now >= expiry)
            {
                _leaseExpiry.Remove(lease);
                if (Leader?.Lease == lease)
                {
                    Leader = null;
                }

                foreach (var m in _members.Values.Where(m => m.Lease == lease).ToList())
                {
                    _members.Remove(m.Name);
                }
            }
        }
    }
}

/// <summary>One node's view of the shared store, bound to its own lease like the etcd3 implementation.</summary>
internal sealed class InMemoryDcs(InMemoryDcsStore store, string name, FakeTimeProvider time) : IDcs
{
    private long _lease = store.GrantLease();

    private ClusterView? _current;

    /// <summary>Like the etcd watch cache: live while the store is reachable, frozen at the last view while it is down.</summary>
    public ClusterView? Current
    {
        get
        {
            if (store.Available && !CutOff && _current is not null)
            {
                store.Check();
                _current = store.View();
            }

            return _current;
        }

        private set => _current = value;
    }
    public long LastContactTimestamp { get; private set; }

    public int LeaseTtl => store.TtlOf(_lease) ?? store.LeaseTtl;

    /// <summary>Component tests do not edit ttl: every lease here has the store's default TTL, which LeaseTtl reports.</summary>
    public void ApplyTimings(int ttl, int retryTimeout)
    {
    }

    public Task<ClusterView> StartAsync(CancellationToken cancellationToken) => ReadClusterAsync(cancellationToken);

    /// <summary>No watch here: nothing ever reports a change, so a nap lasts its (real-time) timeout unless cancelled.</summary>
    public Task WaitForChangeAsync(TimeSpan timeout, CancellationToken cancellationToken) => Task.Delay(timeout, cancellationToken);

    public Task<ClusterView> ReadClusterAsync(CancellationToken cancellationToken) => Do(() => Current = store.View());

    public Task<bool> RefreshLeaseAsync(CancellationToken cancellationToken) => Do(KeepAliveOrRegrant);

    public Task TouchMemberAsync(MemberData data, CancellationToken cancellationToken) => Do(() =>
    {
        store.PutMember(name, data, _lease);
        return true;
    });

    public Task<bool> AttemptToAcquireLeaderAsync(CancellationToken cancellationToken) => Do(() =>
    {
        var acquired = store.CreateLeader(name, _lease);
        _abandonedRevision = acquired ? 0 : _abandonedRevision;
        return acquired;
    });

    /// <summary>Keepalive plus ownership compare; like the real one it never re-puts the key.</summary>
    public Task<bool> UpdateLeaderAsync(CancellationToken cancellationToken) => Do(() =>
    {
        store.LeaderWrites.Add((name, "renew"));
        if (_abandonedRevision > 0)
        {
            var revision = _abandonedRevision;
            _abandonedRevision = 0;
            KeepAliveOrRegrant();
            return store.ReclaimLeader(name, revision, _lease);
        }

        return KeepAliveOrRegrant() && store.Leader is { } leader && leader.Name == name && leader.Lease == _lease;
    });

    public Task<bool> DeleteLeaderAsync(CancellationToken cancellationToken) => Do(() => store.DeleteLeader(name));

    public LeaderRelease? AbandonLeaderLease()
    {
        if (store.Leader is not { } leader || leader.Name != name || leader.Lease != _lease || _lease == 0)
        {
            return null;
        }

        _lease = 0;
        _abandonedRevision = leader.ModRevision;
        return new LeaderRelease(name, leader.ModRevision);
    }

    // Etcd3Dcs: the handed-over key version nobody released; the next renewal keeps the lock only by re-putting that version.
    private long _abandonedRevision;

    public Task<bool> ReleaseLeaderForAsync(LeaderRelease release, CancellationToken cancellationToken) =>
        Do(() => store.ReleaseLeader(release.Leader, release.ModRevision));

    public Task<bool> InitializeAsync(bool createNew, string value, CancellationToken cancellationToken) => Do(() =>
    {
        if (createNew && store.Initialize is not null)
        {
            return false;
        }

        store.Initialize = value;
        return true;
    });

    public Task CancelInitializationAsync(CancellationToken cancellationToken) => Do(() =>
    {
        store.Initialize = null;
        return true;
    });

    public Task<bool> SetConfigAsync(JsonObject config, long? modRevision, CancellationToken cancellationToken) => Do(() =>
    {
        store.SetConfig(JsonNode.Parse(config.ToJsonString())!.AsObject()); // as etcd keeps it: text, read back as parsed JSON
        return true;
    });

    public Task SetHistoryAsync(IReadOnlyList<TimelineHistoryEntry> history, CancellationToken cancellationToken) => Do(() =>
    {
        store.SetHistory([.. history]);
        return true;
    });

    public Task WriteStatusAsync(ulong optime, CancellationToken cancellationToken) => Do(() =>
    {
        store.SetStatus(optime);
        return true;
    });

    public Task<bool> SetFailoverAsync(FailoverRequest? request, long? modRevision, CancellationToken cancellationToken) => Do(() =>
    {
        store.SetFailover(null);
        return true;
    });

    public Task<bool> SetSyncStateAsync(string leader, IReadOnlyList<string> syncStandbys, int? quorum, long modRevision, CancellationToken cancellationToken) =>
        Do(() => store.SetSync(leader, syncStandbys, modRevision));

    public Task<bool> DeleteSyncStateAsync(long modRevision, CancellationToken cancellationToken) => Do(() => store.DeleteSync(modRevision));

    public Task WriteFailsafeAsync(IReadOnlyDictionary<string, string> members, CancellationToken cancellationToken) => Do(() =>
    {
        store.Failsafe = new Dictionary<string, string>(members, StringComparer.Ordinal);
        return true;
    });

    public Task DeleteMemberAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private bool KeepAliveOrRegrant()
    {
        if (store.KeepAlive(_lease))
        {
            return true;
        }

        _lease = store.GrantLease();
        return false;
    }

    /// <summary>This node alone cannot reach the store (its link to etcd is cut); the others still can.</summary>
    public bool CutOff { get; set; }

    private Task<T> Do<T>(Func<T> op)
    {
        if (CutOff)
        {
            throw new DcsUnavailableException("this node is cut off from the in-memory DCS");
        }

        store.Check();
        var result = op();
        LastContactTimestamp = time.GetTimestamp();
        return Task.FromResult(result);
    }
}
