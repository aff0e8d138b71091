using System.Text.Json.Nodes;
using NodeAgent.Cluster;
using NodeAgent.Configuration;
using NodeAgent.Dcs;
using NodeAgent.Ha;

namespace NodeAgent.Tests.Simulation;

/// <summary>
/// One agent's etcd client against the shared <see cref="Component.InMemoryDcsStore"/> (leases on the simulated clock).
/// A request reaches etcd after a random delay and takes effect there, even if the agent froze or died meanwhile;
/// the answer comes back after another delay, and only then does the client learn what it did (a lease id, a view).
/// A partitioned node's calls fail; a call slower than its budget fails at the budget (its write may still have
/// landed), like the real client's deadline. The lease follows ttl edits exactly like Etcd3Dcs/EtcdLease.
/// </summary>
internal sealed class SimDcs : IDcs
{
    private readonly HaSimulation _sim;
    private readonly SimNode _node;
    private readonly int _generation;
    private readonly LeaseClock _lock;
    private readonly SimOptions _options;
    private readonly int _firstTtl;
    private long _lease;
    private int _requestedTtl;
    private int _grantedTtl;
    private int _wantedTtl;
    private int _retryTimeout;
    private LeaderKey? _knownLeader;

    // The leader key's mod_revision etcd applied with our last acquire, check or move that found it ours (the real
    // client learns it from the answer and its watch).
    private long _ownedRevision;

    // Etcd3Dcs: the key version handed over that nobody was seen to release.
    private long _abandonedRevision;

    public SimDcs(HaSimulation sim, SimNode node, DynamicConfig bootstrap, LeaseClock lockClock, SimOptions options)
    {
        (_sim, _node, _generation, _lock, _options) = (sim, node, node.Generation, lockClock, options);
        ApplyTimings(bootstrap.Ttl, bootstrap.RetryTimeout);
        _firstTtl = _wantedTtl;
        // Etcd3Dcs.StartAsync grants the first lease before the loop runs.
        Adopt(sim.Store.GrantLease(_wantedTtl), _wantedTtl);
    }

    public ClusterView? Current { get; private set; }

    public long LastContactTimestamp { get; private set; }

    /// <summary>
    /// The TTL granted to the current lease. The mutation reports the ttl in force instead: the agent then trusts a lease
    /// for as long as the config says while etcd still counts the first TTL down.
    /// </summary>
    public int LeaseTtl => _options.LeaseIgnoresTtlEdits ? _wantedTtl : _lease == 0 ? 0 : _grantedTtl;

    /// <summary>Etcd3Dcs.ApplyTimings: the ttl a new lease gets, and every call's budget.</summary>
    public void ApplyTimings(int ttl, int retryTimeout)
    {
        _wantedTtl = ttl;
        _retryTimeout = retryTimeout;
    }

    /// <summary>EtcdLease.NeedsNewTtl; the mutation never replaces its first lease.</summary>
    private bool NeedsNewTtl => !_options.LeaseIgnoresTtlEdits && _lease != 0 && _requestedTtl != _wantedTtl;

    private int GrantTtl => _options.LeaseIgnoresTtlEdits ? _firstTtl : _wantedTtl;

    public Task<ClusterView> StartAsync(CancellationToken cancellationToken) => ReadClusterAsync(cancellationToken);

    /// <summary>No watch is simulated: the nap ends on the loop's own timer (or a wake-up), which cancels this wait.</summary>
    public Task WaitForChangeAsync(TimeSpan timeout, CancellationToken cancellationToken) => Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);

    public async Task<ClusterView> ReadClusterAsync(CancellationToken cancellationToken)
    {
        var view = await Call("read", _sim.Store.View).ConfigureAwait(false);
        _knownLeader = view.Leader;
        return Current = view;
    }

    public async Task<bool> RefreshLeaseAsync(CancellationToken cancellationToken)
    {
        // A node without the lock takes the new ttl by taking a new lease; its member key follows at the next touch.
        if (NeedsNewTtl && !HoldsLeaderUnder(_lease))
        {
            await GrantAsync().ConfigureAwait(false);
            return true;
        }

        return await RefreshAsync().ConfigureAwait(false);
    }

    public Task TouchMemberAsync(MemberData data, CancellationToken cancellationToken) =>
        WithLeaseAsync("touch member", lease =>
        {
            if (_sim.Store.LeaseExpiry(lease) is null)
            {
                return null;
            }

            _sim.Store.PutMember(_node.Name, data, lease);
            return true;
        });

    public async Task<bool> AttemptToAcquireLeaderAsync(CancellationToken cancellationToken)
    {
        var (acquired, lease) = await WithLeaseAsync("acquire leader", lease =>
        {
            if (_sim.Store.LeaseExpiry(lease) is null)
            {
                return null;
            }

            // A retried attempt may find the key our own timed-out first attempt created.
            var ours = _sim.Store.CreateLeader(_node.Name, lease) || _sim.Store.Leader is { } l && l.Name == _node.Name && l.Lease == lease;
            _ownedRevision = ours ? _sim.Store.Leader!.ModRevision : _ownedRevision;
            _abandonedRevision = ours ? 0 : _abandonedRevision;
            return ours;
        }, leaderChange: true).ConfigureAwait(false);
        if (acquired)
        {
            Own(lease);
        }

        return acquired;
    }

    public async Task<bool> UpdateLeaderAsync(CancellationToken cancellationToken)
    {
        if (_abandonedRevision > 0)
        {
            return await ReclaimAbandonedAsync(_abandonedRevision).ConfigureAwait(false);
        }

        // The forced keepalive is what keeps the lock; a re-granted lease means the key went with the old one.
        var alive = await RefreshAsync().ConfigureAwait(false);
        var lease = _lease;
        if (_options.UnconditionalLeaderPut)
        {
            // The deliberate bug of the first mutation test: renew by re-putting the key, as Patroni 3.0.2 did.
            await Call("update leader", () => { _sim.Store.PutLeader(_node.Name, lease); return true; }, leaderChange: true).ConfigureAwait(false);
            Own(lease);
            return true;
        }

        if (!alive)
        {
            return false;
        }

        if (NeedsNewTtl)
        {
            return await MoveLeaderToNewLeaseAsync().ConfigureAwait(false);
        }

        var ours = await Call("check leader", () =>
        {
            var held = _sim.Store.Leader is { } l && l.Name == _node.Name && l.Lease == lease;
            _ownedRevision = held ? _sim.Store.Leader!.ModRevision : _ownedRevision;
            return held;
        }, leaderChange: true).ConfigureAwait(false);

        // Etcd3Dcs.UpdateLeaderAsync: a lease abandoned while the check ran is not counted on.
        if (ours && _lease == lease)
        {
            Own(lease);
            return true;
        }

        return false;
    }

    public async Task<bool> DeleteLeaderAsync(CancellationToken cancellationToken)
    {
        var deleted = await Call("delete leader", () => _sim.Store.DeleteLeader(_node.Name), leaderChange: true).ConfigureAwait(false);
        if (deleted)
        {
            _knownLeader = null;
        }

        return deleted;
    }

    /// <summary>Etcd3Dcs.AbandonLeaderLease: the lease is forgotten; the key as last known is handed over.</summary>
    public LeaderRelease? AbandonLeaderLease()
    {
        if (!HoldsLeaderUnder(_lease) || _knownLeader!.ModRevision == 0)
        {
            return null;
        }

        var release = new LeaderRelease(_node.Name, _knownLeader.ModRevision);
        if (_options.HandoverKeepsLease)
        {
            return release;
        }

        Drop(_lease);
        _abandonedRevision = release.ModRevision;
        return release;
    }

    public Task<bool> ReleaseLeaderForAsync(LeaderRelease release, CancellationToken cancellationToken) =>
        Call($"release leader of {release.Leader} at {release.ModRevision}", () => _sim.Store.ReleaseLeader(release.Leader, release.ModRevision), leaderChange: true);

    public Task<bool> InitializeAsync(bool createNew, string value, CancellationToken cancellationToken) => Call($"initialize '{value}'", () =>
    {
        if (createNew && _sim.Store.Initialize is not null)
        {
            return false;
        }

        _sim.Store.Initialize = value;
        return true;
    });

    public Task CancelInitializationAsync(CancellationToken cancellationToken) => Call("cancel initialize", () =>
    {
        _sim.Store.Initialize = null;
        return true;
    });

    public Task<bool> SetConfigAsync(JsonObject config, long? modRevision, CancellationToken cancellationToken) => Call("set config", () =>
    {
        _sim.Store.SetConfig(JsonNode.Parse(config.ToJsonString())!.AsObject()); // as etcd keeps it: text, read back as parsed JSON
        return true;
    });

    public Task SetHistoryAsync(IReadOnlyList<TimelineHistoryEntry> history, CancellationToken cancellationToken) => Call("set history", () =>
    {
        _sim.Store.SetHistory([.. history]);
        return true;
    });

    public Task WriteStatusAsync(ulong optime, CancellationToken cancellationToken) => Call("status", () =>
    {
        _sim.Store.SetStatus(optime);
        return true;
    });

    public Task<bool> SetFailoverAsync(FailoverRequest? request, long? modRevision, CancellationToken cancellationToken) => Call("clear failover", () =>
    {
        _sim.Store.SetFailover(null);
        return true;
    });

    public Task<bool> SetSyncStateAsync(string leader, IReadOnlyList<string> syncStandbys, int? quorum, long modRevision, CancellationToken cancellationToken) =>
        Call("sync", () => _sim.Store.SetSync(leader, syncStandbys, modRevision));

    public Task<bool> DeleteSyncStateAsync(long modRevision, CancellationToken cancellationToken) =>
        Call("delete sync", () => _sim.Store.DeleteSync(modRevision));

    public Task WriteFailsafeAsync(IReadOnlyDictionary<string, string> members, CancellationToken cancellationToken) =>
        Call("failsafe", () =>
        {
            _sim.Store.Failsafe = new Dictionary<string, string>(members, StringComparer.Ordinal);
            return true;
        });

    public Task DeleteMemberAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>Etcd3Dcs.ReclaimAbandonedAsync: the handed-over version is put under a lease again, as a new version, or the lock is lost.</summary>
    private async Task<bool> ReclaimAbandonedAsync(long revision)
    {
        var lease = _lease != 0 ? _lease : await GrantAsync().ConfigureAwait(false);
        var kept = await Call("reclaim leader", () =>
        {
            var done = _sim.Store.ReclaimLeader(_node.Name, revision, lease);
            _ownedRevision = done ? _sim.Store.Leader!.ModRevision : _ownedRevision;
            return done;
        }, leaderChange: true).ConfigureAwait(false);
        if (_abandonedRevision == revision)
        {
            _abandonedRevision = 0;
        }

        if (kept && _lease == lease)
        {
            Own(lease);
            return true;
        }

        return false;
    }

    /// <summary>Etcd3Dcs.MoveLeaderToNewLeaseAsync: a new lease, then the key moved to it under value and old-lease compares.</summary>
    private async Task<bool> MoveLeaderToNewLeaseAsync()
    {
        var old = _lease;
        var (lease, ttl) = await GrantNewAsync().ConfigureAwait(false);
        var moved = await Call("move leader to new lease", () =>
        {
            var done = _sim.Store.MoveLeader(_node.Name, old, lease);
            _ownedRevision = done ? _sim.Store.Leader!.ModRevision : _ownedRevision;
            return done;
        }, leaderChange: true).ConfigureAwait(false);
        if (!moved)
        {
            return false;
        }

        Adopt(lease, ttl);
        Own(lease);
        return true;
    }

    /// <summary>EtcdLease.RefreshAsync: one keepalive; false when the lease had expired (or none was held) and a new one was granted.</summary>
    private async Task<bool> RefreshAsync()
    {
        var id = _lease;
        if (id == 0)
        {
            await GrantAsync().ConfigureAwait(false);
            return false;
        }

        if (await Call("keepalive", () => _sim.Store.KeepAlive(id)).ConfigureAwait(false))
        {
            return true;
        }

        Drop(id);
        await GrantAsync().ConfigureAwait(false);
        return false;
    }

    private async Task<long> GrantAsync()
    {
        var (id, ttl) = await GrantNewAsync().ConfigureAwait(false);
        Adopt(id, ttl);
        return id;
    }

    private async Task<(long Id, int Ttl)> GrantNewAsync()
    {
        var ttl = GrantTtl;
        var id = await Call($"lease grant ttl {ttl}", () => _sim.Store.GrantLease(ttl)).ConfigureAwait(false);
        return (id, ttl);
    }

    private void Adopt(long id, int ttl) => (_lease, _requestedTtl, _grantedTtl) = (id, ttl, ttl);

    private void Drop(long id)
    {
        if (_lease == id)
        {
            _lease = 0;
        }
    }

    /// <summary>Like the watch cache after our own write: the leader key holds our name under this lease.</summary>
    private void Own(long lease) => _knownLeader = new LeaderKey(_node.Name, _ownedRevision, lease);

    private bool HoldsLeaderUnder(long lease) => lease != 0 && _knownLeader is { } l && l.Name == _node.Name && l.Lease == lease;

    /// <summary>Etcd3Dcs.WithLeaseAsync: a write bound to our lease; a lease etcd no longer knows (null) is replaced once.</summary>
    private async Task<(bool Result, long Lease)> WithLeaseAsync(string op, Func<long, bool?> write, bool leaderChange = false)
    {
        var lease = _lease != 0 ? _lease : await GrantAsync().ConfigureAwait(false);
        if (await Call(op, () => write(lease), leaderChange).ConfigureAwait(false) is { } done)
        {
            return (done, lease);
        }

        Drop(lease);
        lease = await GrantAsync().ConfigureAwait(false);
        var retried = await Call(op, () => write(lease), leaderChange).ConfigureAwait(false);
        return (retried ?? throw new DcsUnavailableException("etcdserver: requested lease not found"), lease);
    }

    /// <summary>
    /// The budget the executor's deadline gives a call (LeaseClock.CallBudget: retry_timeout, cut to what is left of a
    /// held lease), counted on this machine's clock. The product's CancelAfter runs on real time, so it is applied here.
    /// </summary>
    private double Budget() => _node.Clock.SharedSeconds(_lock.CallBudget(_retryTimeout).TotalSeconds);

    private Task<T> Call<T>(string op, Func<T> effect, bool leaderChange = false)
    {
        _sim.Scheduler.OnSimThread();
        var tcs = new TaskCompletionSource<T>();
        var plan = _sim.Network.Plan(_node, Budget());
        if (plan.ServedAfter is { } served)
        {
            _sim.Scheduler.After(served, () =>
            {
                _sim.Store.Check();
                var result = effect();
                if (leaderChange)
                {
                    _sim.Log($"{_node.Name}: etcd applied {op} -> {result}; leader now {_sim.Store.Leader?.Name ?? "none"}");
                }

                if (plan.Fails is null)
                {
                    _sim.Scheduler.After(plan.AnsweredAfter - served, () => _sim.Deliver(_node, _generation, () =>
                    {
                        LastContactTimestamp = _node.Clock.GetTimestamp();
                        tcs.SetResult(result);
                    }));
                }
            });
        }

        if (plan.Fails is { } why)
        {
            _sim.Scheduler.After(plan.AnsweredAfter, () => _sim.Deliver(_node, _generation, () =>
            {
                _sim.Log($"{_node.Name}: etcd {op} failed: {why}");
                tcs.SetException(new DcsUnavailableException(why));
            }));
        }

        return tcs.Task;
    }
}
