using System.Text.Json.Nodes;
using Etcdserverpb;
using Microsoft.Extensions.Logging;
using NodeAgent.Cluster;
using NodeAgent.Configuration;

namespace NodeAgent.Dcs.Etcd3;

/// <summary>
/// <see cref="IDcs"/> on etcd v3 with Patroni 3.0.2's key layout (<c>dcs/etcd3.py</c>). Reads come
/// from the watch cache; writes go to etcd through <see cref="EtcdEndpointPool"/> and are applied to
/// the cache at once. The leader key is only ever created (create_revision == 0) or checked under our
/// lease; it is never put unconditionally.
/// </summary>
internal sealed partial class Etcd3Dcs : IDcs
{
    private readonly EtcdEndpointPool _pool;
    private readonly EtcdWatchCache _watch;
    private readonly EtcdLease _lease;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string _name;
    private long _lastContact;
    private ulong? _lastStatus;

    public Etcd3Dcs(AgentConfig config, DynamicConfig dynamic, ILogger<Etcd3Dcs> logger, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(dynamic);
        _time = time;
        _logger = logger;
        _name = config.Name;
        Layout = new KeyLayout(config.KeyPrefix);
        _pool = new EtcdEndpointPool(config.Etcd3, time, logger);
        _lease = new EtcdLease(_pool, time, logger);
        _watch = new EtcdWatchCache(_pool, Layout, _name, time, logger, MarkContact);
        ApplyTimings(dynamic.Ttl, dynamic.RetryTimeout);
    }

    public KeyLayout Layout { get; }

    public ClusterView? Current => _watch.Cache.View;

    public long LastContactTimestamp => Interlocked.Read(ref _lastContact);

    /// <summary>This node's lease ID (0 before the first grant).</summary>
    public long LeaseId => _lease.Id;

    public int LeaseTtl => _lease.GrantedTtl;

    /// <summary>
    /// ttl: a new lease with this TTL replaces ours at the next refresh (the leader key is moved to it under a compare);
    /// retry_timeout: the budget of every call, each attempt getting retry_timeout / members, at least 1 s.
    /// </summary>
    public void ApplyTimings(int ttl, int retryTimeout)
    {
        _lease.SetTtl(ttl);
        _pool.RetryTimeout = TimeSpan.FromSeconds(retryTimeout);
    }

    public async Task<ClusterView> StartAsync(CancellationToken cancellationToken)
    {
        var view = await _watch.LoadAsync(serializable: true, cancellationToken).ConfigureAwait(false);
        _watch.StartWatching();
        await _lease.EnsureAsync(cancellationToken).ConfigureAwait(false);
        MarkContact();
        return view;
    }

    public Task WaitForChangeAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
        _watch.Signal.WaitAsync(timeout, cancellationToken);

    public Task<ClusterView> ReadClusterAsync(CancellationToken cancellationToken) =>
        _watch.LoadAsync(serializable: false, cancellationToken);

    public async Task<bool> RefreshLeaseAsync(CancellationToken cancellationToken)
    {
        // A node without the lock takes the new ttl by taking a new lease; its member key follows at the next touch.
        if (_lease.NeedsNewTtl && !HoldsLeaderUnder(_lease.Id))
        {
            await _lease.GrantAsync(cancellationToken).ConfigureAwait(false);
            MarkContact();
            return true;
        }

        var alive = await _lease.RefreshAsync(cancellationToken).ConfigureAwait(false);
        MarkContact();
        return alive;
    }

    public async Task TouchMemberAsync(MemberData data, CancellationToken cancellationToken)
    {
        var key = Layout.Member(_name);
        var value = MemberDataCodec.Encode(data);
        await WithLeaseAsync(async lease =>
        {
            // Patroni's touch_member: when etcd already holds exactly this under our lease, the lease refresh is
            // what keeps it alive, so an idle cycle writes nothing (and wakes no watcher).
            if (Layout.Relative(key) is { } name && _watch.Cache.Get(name) is { } stored && stored.Lease == lease && stored.Value == value)
            {
                return true;
            }

            await PutAsync(key, value, lease, cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    public Task<bool> AttemptToAcquireLeaderAsync(CancellationToken cancellationToken) =>
        WithLeaseAsync(async lease =>
        {
            var txn = EtcdRequests.Txn(
                [EtcdRequests.CreateRevisionIs(Layout.Leader, 0)],
                EtcdRequests.Put(Layout.Leader, _name, lease));
            txn.Failure.Add(EtcdRequests.Get(Layout.Leader));
            var response = await TxnAsync("acquire leader", txn, cancellationToken).ConfigureAwait(false);
            if (response.Succeeded)
            {
                _watch.Cache.ApplyOwnPut(new StoredKey(KeyLayout.LeaderName, _name, response.Header.Revision, lease));
                Interlocked.Exchange(ref _abandonedRevision, 0);
                LogLeaderAcquired(_name);
                return true;
            }

            // A retried attempt may find the key our own timed-out first attempt created.
            var holder = response.Responses.Count > 0 && response.Responses[0].ResponseRange.Kvs.Count > 0
                ? _watch.ToStored(response.Responses[0].ResponseRange.Kvs[0])
                : null;
            if (holder is not null)
            {
                _watch.Cache.ApplyOwnPut(holder);
            }

            var ours = holder is not null && holder.Value == _name && holder.Lease == lease;
            if (ours)
            {
                Interlocked.Exchange(ref _abandonedRevision, 0);
            }

            return ours;
        }, cancellationToken);

    public async Task<bool> UpdateLeaderAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Read(ref _abandonedRevision) is var abandoned and > 0)
        {
            // Settled once etcd has answered either way; an unreachable etcd leaves it for the next renewal.
            var kept = await ReclaimAbandonedAsync(abandoned, cancellationToken).ConfigureAwait(false);
            Interlocked.CompareExchange(ref _abandonedRevision, 0, abandoned);
            return kept;
        }

        // The forced keepalive is what keeps the lock. A re-granted lease means the old one expired and
        // took the leader key with it: the lock is lost, and we must not put the key back blindly.
        if (!await _lease.RefreshAsync(cancellationToken).ConfigureAwait(false))
        {
            MarkContact();
            LogLockLostLease();
            return false;
        }

        MarkContact();
        if (_lease.NeedsNewTtl)
        {
            return await MoveLeaderToNewLeaseAsync(cancellationToken).ConfigureAwait(false);
        }

        var lease = _lease.Id;
        var txn = EtcdRequests.Txn(
            [EtcdRequests.ValueIs(Layout.Leader, _name), EtcdRequests.LeaseIs(Layout.Leader, lease)],
            EtcdRequests.Get(Layout.Leader));
        var response = await TxnAsync("check leader", txn, cancellationToken).ConfigureAwait(false);
        if (!response.Succeeded)
        {
            LogLockLostOwner();
            return false;
        }

        // The lease was abandoned (handed over) while this check ran: what it confirmed is no longer ours to count on.
        if (_lease.Id != lease)
        {
            return false;
        }

        if (response.Responses.Count > 0 && response.Responses[0].ResponseRange.Kvs.Count > 0
            && _watch.ToStored(response.Responses[0].ResponseRange.Kvs[0]) is { } key)
        {
            _watch.Cache.ApplyOwnPut(key);
        }

        return true;
    }

    /// <summary>
    /// ttl changed while we hold the lock: the leader key moves to a lease with the new TTL, but only while it still holds
    /// our name under the lease just renewed (Patroni's <c>Etcd3._update_leader</c> puts it unconditionally). The old
    /// lease keeps the member key until the next touch moves that too, then expires on its own.
    /// </summary>
    private async Task<bool> MoveLeaderToNewLeaseAsync(CancellationToken cancellationToken)
    {
        var old = _lease.Id;
        var (lease, requested, granted) = await _lease.GrantNewAsync(cancellationToken).ConfigureAwait(false);
        var txn = EtcdRequests.Txn(
            [EtcdRequests.ValueIs(Layout.Leader, _name), EtcdRequests.LeaseIs(Layout.Leader, old)],
            EtcdRequests.Put(Layout.Leader, _name, lease));
        var response = await TxnAsync("move leader to new lease", txn, cancellationToken).ConfigureAwait(false);
        if (!response.Succeeded)
        {
            LogLockLostOwner();
            return false;
        }

        _lease.Adopt(lease, requested, granted);
        _watch.Cache.ApplyOwnPut(new StoredKey(KeyLayout.LeaderName, _name, response.Header.Revision, lease));
        LogLeaderMovedToLease(lease, granted);
        return true;
    }

    private bool HoldsLeaderUnder(long lease) =>
        lease != 0 && _watch.Cache.Get(KeyLayout.LeaderName) is { } leader && leader.Value == _name && leader.Lease == lease;

    public async Task<bool> DeleteLeaderAsync(CancellationToken cancellationToken)
    {
        // Nobody else writes our name into the key, so "value == our name" is "still ours".
        var txn = EtcdRequests.Txn([EtcdRequests.ValueIs(Layout.Leader, _name)], EtcdRequests.Delete(Layout.Leader));
        var response = await TxnAsync("delete leader", txn, cancellationToken).ConfigureAwait(false);
        if (response.Succeeded)
        {
            _watch.Cache.ApplyOwnDelete(KeyLayout.LeaderName, response.Header.Revision);
        }

        return response.Succeeded;
    }

    public async Task<bool> InitializeAsync(bool createNew, string value, CancellationToken cancellationToken)
    {
        if (!createNew)
        {
            await PutAsync(Layout.Initialize, value, 0, cancellationToken).ConfigureAwait(false);
            return true;
        }

        return await CompareAndPutAsync("initialize", Layout.Initialize, value, EtcdRequests.CreateRevisionIs(Layout.Initialize, 0), cancellationToken).ConfigureAwait(false);
    }

    public Task CancelInitializationAsync(CancellationToken cancellationToken) => DeleteAsync(Layout.Initialize, cancellationToken);

    // The config key holds the dynamic config as compact JSON, whatever it contains (Patroni's set_config_value).
    public Task<bool> SetConfigAsync(JsonObject config, long? modRevision, CancellationToken cancellationToken) =>
        PutMaybeCasAsync("config", Layout.Config, config.ToJsonString(), modRevision, cancellationToken);

    public Task SetHistoryAsync(IReadOnlyList<TimelineHistoryEntry> history, CancellationToken cancellationToken) =>
        PutAsync(Layout.History, HistoryCodec.Encode(history), 0, cancellationToken);

    public async Task WriteStatusAsync(ulong optime, CancellationToken cancellationToken)
    {
        if (_lastStatus == optime && _watch.Cache.Get(KeyLayout.StatusName) is not null)
        {
            return;
        }

        await PutAsync(Layout.Status, StatusCodec.Encode(optime), 0, cancellationToken).ConfigureAwait(false);
        _lastStatus = optime;
    }

    public Task<bool> SetFailoverAsync(FailoverRequest? request, long? modRevision, CancellationToken cancellationToken) =>
        PutMaybeCasAsync("failover", Layout.Failover, FailoverCodec.Encode(request), modRevision, cancellationToken);

    public async Task<bool> SetSyncStateAsync(string leader, IReadOnlyList<string> syncStandbys, int? quorum, long modRevision, CancellationToken cancellationToken)
    {
        var value = SyncStateCodec.Encode(leader, syncStandbys, quorum);
        var txn = EtcdRequests.Txn([EtcdRequests.ModRevisionIs(Layout.Sync, modRevision), EtcdRequests.ValueIs(Layout.Leader, leader)], EtcdRequests.Put(Layout.Sync, value));
        var response = await TxnAsync("sync", txn, cancellationToken).ConfigureAwait(false);
        if (response.Succeeded)
        {
            _watch.Cache.ApplyOwnPut(new StoredKey(KeyLayout.SyncName, value, response.Header.Revision, 0));
        }

        return response.Succeeded;
    }

    public async Task<bool> DeleteSyncStateAsync(long modRevision, CancellationToken cancellationToken)
    {
        var txn = EtcdRequests.Txn([EtcdRequests.ModRevisionIs(Layout.Sync, modRevision)], EtcdRequests.Delete(Layout.Sync));
        var response = await TxnAsync("delete sync", txn, cancellationToken).ConfigureAwait(false);
        if (response.Succeeded)
        {
            _watch.Cache.ApplyOwnDelete(KeyLayout.SyncName, response.Header.Revision);
        }

        return response.Succeeded;
    }

    /// <summary>Writes <c>failsafe</c> = name -> api_url, in Patroni's compact JSON.</summary>
    public Task WriteFailsafeAsync(IReadOnlyDictionary<string, string> members, CancellationToken cancellationToken) =>
        PutAsync(Layout.Failsafe, SyncStateCodec.EncodeFailsafe(members), 0, cancellationToken);

    public Task DeleteMemberAsync(CancellationToken cancellationToken) => DeleteAsync(Layout.Member(_name), cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _watch.DisposeAsync().ConfigureAwait(false);
        _pool.Dispose();
    }

    private void MarkContact() => Interlocked.Exchange(ref _lastContact, _time.GetTimestamp());

    /// <summary>Runs a write bound to our lease; a lease etcd no longer knows is replaced once.</summary>
    private async Task<T> WithLeaseAsync<T>(Func<long, Task<T>> write, CancellationToken cancellationToken)
    {
        var lease = await _lease.EnsureAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await write(lease).ConfigureAwait(false);
        }
        catch (Exception ex) when (EtcdRequests.IsLeaseNotFound(ex))
        {
            _lease.Drop(lease);
            lease = await _lease.EnsureAsync(cancellationToken).ConfigureAwait(false);
            return await write(lease).ConfigureAwait(false);
        }
    }

    private async Task PutAsync(string key, string value, long lease, CancellationToken cancellationToken)
    {
        var request = new PutRequest { Key = EtcdRequests.Bytes(key), Value = EtcdRequests.Bytes(value), Lease = lease };
        var response = await _pool.ExecuteAsync("put", async (e, o) => await e.Kv.PutAsync(request, o).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        MarkContact();
        if (Layout.Relative(key) is { } name)
        {
            _watch.Cache.ApplyOwnPut(new StoredKey(name, value, response.Header.Revision, lease));
        }
    }

    private async Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        var request = new DeleteRangeRequest { Key = EtcdRequests.Bytes(key) };
        var response = await _pool.ExecuteAsync("delete", async (e, o) => await e.Kv.DeleteRangeAsync(request, o).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        MarkContact();
        if (Layout.Relative(key) is { } name)
        {
            _watch.Cache.ApplyOwnDelete(name, response.Header.Revision);
        }
    }

    private Task<bool> PutMaybeCasAsync(string operation, string key, string value, long? modRevision, CancellationToken cancellationToken) =>
        modRevision is { } revision
            ? CompareAndPutAsync(operation, key, value, EtcdRequests.ModRevisionIs(key, revision), cancellationToken)
            : PutThenTrueAsync(key, value, cancellationToken);

    private async Task<bool> PutThenTrueAsync(string key, string value, CancellationToken cancellationToken)
    {
        await PutAsync(key, value, 0, cancellationToken).ConfigureAwait(false);
        return true;
    }

    private async Task<bool> CompareAndPutAsync(string operation, string key, string value, Compare compare, CancellationToken cancellationToken)
    {
        var response = await TxnAsync(operation, EtcdRequests.Txn([compare], EtcdRequests.Put(key, value)), cancellationToken).ConfigureAwait(false);
        if (response.Succeeded && Layout.Relative(key) is { } name)
        {
            _watch.Cache.ApplyOwnPut(new StoredKey(name, value, response.Header.Revision, 0));
        }

        return response.Succeeded;
    }

    private async Task<TxnResponse> TxnAsync(string operation, TxnRequest txn, CancellationToken cancellationToken)
    {
        var response = await _pool.ExecuteAsync(operation, async (e, o) => await e.Kv.TxnAsync(txn, o).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        MarkContact();
        return response;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "acquired the leader lock as {Name}")]
    private partial void LogLeaderAcquired(string name);

    [LoggerMessage(Level = LogLevel.Information, Message = "moved the leader key to etcd lease {LeaseId:x} with the new ttl {Ttl} s")]
    private partial void LogLeaderMovedToLease(long leaseId, int ttl);

    [LoggerMessage(Level = LogLevel.Warning, Message = "leader lock lost: our etcd lease had expired")]
    private partial void LogLockLostLease();

    [LoggerMessage(Level = LogLevel.Warning, Message = "leader lock lost: the leader key no longer holds our name under our lease")]
    private partial void LogLockLostOwner();
}
