using Etcdserverpb;
using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;
using NodeAgent.Cluster;
using NodeAgent.Configuration;
using NodeAgent.Dcs.Etcd3;


namespace NodeAgent.Ctl.Dcs;

/// <summary>
/// agentctl's etcd access: the agent's endpoint pool and view builder, used one-shot. Reads are quorum
/// reads (as patronictl does from 3.0.4) so a just-made change is always seen.
/// </summary>
internal sealed class EtcdCtlDcs : ICtlDcs
{
    private readonly EtcdEndpointPool _pool;
    private readonly KeyLayout _layout;

    /// <param name="retryTimeout">How long one call may keep trying the members before agentctl gives up.</param>
    public EtcdCtlDcs(Etcd3Config config, string keyPrefix, TimeProvider time, TimeSpan retryTimeout)
    {
        if (config.Hosts.Count == 0)
        {
            throw new CtlException("Can not find suitable configuration of distributed configuration store\nAvailable implementations: etcd3");
        }

        _pool = new EtcdEndpointPool(config, time, NullLogger.Instance) { RetryTimeout = retryTimeout };
        _layout = new KeyLayout(keyPrefix);
    }

    public async Task<ClusterView> ReadAsync(CancellationToken cancellationToken)
    {
        var request = new RangeRequest
        {
            Key = ByteString.CopyFromUtf8(_layout.Prefix),
            RangeEnd = ByteString.CopyFromUtf8(_layout.PrefixRangeEnd),
        };
        var response = await _pool.ExecuteAsync("range", async (e, o) => await e.Kv.RangeAsync(request, o).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        var keys = new Dictionary<string, StoredKey>(StringComparer.Ordinal);
        foreach (var kv in response.Kvs)
        {
            if (_layout.Relative(kv.Key.ToStringUtf8()) is { } name)
            {
                keys[name] = new StoredKey(name, kv.Value.ToStringUtf8(), kv.ModRevision, kv.Lease);
            }
        }

        return ClusterViewBuilder.Build(keys, response.Header.Revision);
    }

    public Task<bool> SetConfigAsync(string json, long modRevision, CancellationToken cancellationToken) =>
        CompareAndPutAsync(_layout.Config, json, modRevision, cancellationToken);

    public async Task<bool> SetFailoverAsync(string? leader, string? candidate, DateTimeOffset? scheduledAt, long? modRevision, CancellationToken cancellationToken)
    {
        var value = FailoverCodec.Encode(leader, candidate, scheduledAt);
        if (modRevision is { } revision)
        {
            return await CompareAndPutAsync(_layout.Failover, value, revision, cancellationToken).ConfigureAwait(false);
        }

        var put = new PutRequest { Key = EtcdRequests.Bytes(_layout.Failover), Value = EtcdRequests.Bytes(value) };
        await _pool.ExecuteAsync("put", async (e, o) => await e.Kv.PutAsync(put, o).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        return true;
    }

    public async Task DeleteClusterAsync(CancellationToken cancellationToken)
    {
        var request = new DeleteRangeRequest
        {
            Key = ByteString.CopyFromUtf8(_layout.Prefix),
            RangeEnd = ByteString.CopyFromUtf8(_layout.PrefixRangeEnd),
        };
        await _pool.ExecuteAsync("delete", async (e, o) => await e.Kv.DeleteRangeAsync(request, o).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
    }

    private async Task<bool> CompareAndPutAsync(string key, string value, long modRevision, CancellationToken cancellationToken)
    {
        var txn = EtcdRequests.Txn([EtcdRequests.ModRevisionIs(key, modRevision)], EtcdRequests.Put(key, value));
        var response = await _pool.ExecuteAsync("txn", async (e, o) => await e.Kv.TxnAsync(txn, o).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        return response.Succeeded;
    }

    public void Dispose() => _pool.Dispose();
}
