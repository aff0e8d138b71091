using NodeAgent.Cluster;

namespace NodeAgent.Dcs.Etcd3;

/// <summary>
/// The in-memory copy of the prefix (KVCache in Patroni): reset by a range, advanced by watch
/// events and by our own writes. Publishes an immutable <see cref="ClusterView"/> after every
/// change. Thread-safe; pure apart from the lock.
/// </summary>
internal sealed class KeyCache(string selfName)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, StoredKey> _keys = new(StringComparer.Ordinal);
    private long _floorRevision;
    private volatile ClusterView? _view;

    public ClusterView? View => _view;

    /// <summary>Replaces everything with a range result taken at <paramref name="revision"/>.</summary>
    public ClusterView Reset(IEnumerable<StoredKey> keys, long revision)
    {
        lock (_gate)
        {
            _keys.Clear();
            foreach (var key in keys)
            {
                _keys[key.Name] = key;
            }

            _floorRevision = revision;
            return Publish(revision);
        }
    }

    /// <summary>
    /// Applies one watch response. Events at or below the last range's revision, or older than what we
    /// hold (our own writes got there first), are skipped. True when the HA loop should wake up.
    /// </summary>
    public bool Apply(IReadOnlyList<KeyEvent> events, long revision)
    {
        lock (_gate)
        {
            var leaderBefore = LeaderName();
            var wake = false;
            var changed = false;
            foreach (var e in events)
            {
                if (e.Revision <= _floorRevision)
                {
                    continue;
                }

                _keys.TryGetValue(e.Key.Name, out var existing);
                if (e.IsPut)
                {
                    if (existing is not null && existing.ModRevision >= e.Key.ModRevision)
                    {
                        continue;
                    }

                    _keys[e.Key.Name] = e.Key;
                }
                else
                {
                    if (existing is null || existing.ModRevision >= e.Revision)
                    {
                        continue;
                    }

                    _keys.Remove(e.Key.Name);
                }

                changed = true;
                wake |= IsRelevant(e, existing, leaderBefore);
            }

            if (changed)
            {
                Publish(Math.Max(revision, _view?.Revision ?? 0));
            }

            return wake;
        }
    }

    /// <summary>Our own successful put, applied before the watch reports it.</summary>
    public void ApplyOwnPut(StoredKey key)
    {
        lock (_gate)
        {
            if (_keys.TryGetValue(key.Name, out var existing) && existing.ModRevision >= key.ModRevision)
            {
                return;
            }

            _keys[key.Name] = key;
            Publish(Math.Max(key.ModRevision, _view?.Revision ?? 0));
        }
    }

    /// <summary>Our own successful delete at <paramref name="revision"/>.</summary>
    public void ApplyOwnDelete(string name, long revision)
    {
        lock (_gate)
        {
            if (_keys.TryGetValue(name, out var existing) && existing.ModRevision < revision)
            {
                _keys.Remove(name);
                Publish(Math.Max(revision, _view?.Revision ?? 0));
            }
        }
    }

    public StoredKey? Get(string name)
    {
        lock (_gate)
        {
            return _keys.GetValueOrDefault(name);
        }
    }

    private string? LeaderName() => _keys.TryGetValue(KeyLayout.LeaderName, out var leader) ? leader.Value : null;

    /// <summary>Patroni's wake rules (<c>dcs/etcd3.py</c>: KVCache), plus initialize, failover and the leader's member key vanishing.</summary>
    private bool IsRelevant(KeyEvent e, StoredKey? before, string? leaderBefore)
    {
        switch (e.Key.Name)
        {
            case KeyLayout.LeaderName:
                return !e.IsPut || before is null || before.Value != e.Key.Value;
            case KeyLayout.ConfigName:
            case KeyLayout.FailoverName:
            case KeyLayout.InitializeName:
                return true;
            case KeyLayout.StatusName:
            case KeyLayout.LeaderOptimeName:
                return leaderBefore != selfName;
            default:
                // A member that just appeared needs its replication slot on the leader now, not a loop_wait later
                // (Patroni makes bootstrap time follow loop_wait this way).
                if (e.IsPut && before is null && leaderBefore == selfName && KeyLayout.MemberNameOf(e.Key.Name) is not null)
                {
                    return true;
                }

                return !e.IsPut && leaderBefore is not null && KeyLayout.MemberNameOf(e.Key.Name) == leaderBefore;
        }
    }

    private ClusterView Publish(long revision)
    {
        var view = ClusterViewBuilder.Build(_keys, revision);
        _view = view;
        return view;
    }
}

/// <summary>A watch event on a relative key. For a delete, <see cref="Revision"/> is the deletion's revision.</summary>
internal sealed record KeyEvent(bool IsPut, StoredKey Key, long Revision);
