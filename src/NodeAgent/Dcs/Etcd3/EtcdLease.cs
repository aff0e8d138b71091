using Etcdserverpb;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace NodeAgent.Dcs.Etcd3;

/// <summary>
/// This node's one lease (TTL = ttl), to which the member key and the leader key are bound
/// (patroni-reference §1.5). Refreshed with a single-shot keepalive: a stream opened for one
/// request and one response under the attempt deadline, never a long-lived keepalive helper.
/// </summary>
internal sealed partial class EtcdLease(EtcdEndpointPool pool, TimeProvider time, ILogger logger)
{
    private readonly Lock _gate = new();
    private long _id;
    private int _ttl = 30;

    /// <summary>The current lease ID, 0 when none is held.</summary>
    public long Id
    {
        get { lock (_gate) { return _id; } }
    }

    public int Ttl
    {
        get { lock (_gate) { return _ttl; } }
    }

    /// <summary>Monotonic timestamp of the last grant or successful keepalive.</summary>
    public long LastRefresh { get; private set; }

    /// <summary>A new ttl drops the lease; the next refresh grants one with the new TTL (<c>Etcd3.set_ttl</c>).</summary>
    public void SetTtl(int seconds)
    {
        lock (_gate)
        {
            if (seconds != _ttl)
            {
                _ttl = seconds;
                _id = 0;
            }
        }
    }

    /// <summary>Forgets a lease etcd said it does not know; the next call grants a new one.</summary>
    public void Drop(long id)
    {
        lock (_gate)
        {
            if (_id == id)
            {
                _id = 0;
            }
        }
    }

    /// <summary>The lease to bind keys to, granting one when none is held.</summary>
    public async Task<long> EnsureAsync(CancellationToken cancellationToken)
    {
        var id = Id;
        return id != 0 ? id : await GrantAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One keepalive. False when the lease had expired (or none was held) and a new one was granted.</summary>
    public async Task<bool> RefreshAsync(CancellationToken cancellationToken)
    {
        var id = Id;
        if (id == 0)
        {
            await GrantAsync(cancellationToken).ConfigureAwait(false);
            return false;
        }

        var ttl = await pool.ExecuteAsync("lease keepalive", (e, o) => KeepAliveOnceAsync(e, o, id), cancellationToken).ConfigureAwait(false);
        if (ttl > 0)
        {
            LastRefresh = time.GetTimestamp();
            return true;
        }

        LogLeaseExpired(id);
        Drop(id);
        await GrantAsync(cancellationToken).ConfigureAwait(false);
        return false;
    }

    private async Task<long> GrantAsync(CancellationToken cancellationToken)
    {
        var ttl = Ttl;
        var response = await pool.ExecuteAsync(
            "lease grant",
            async (e, o) => await e.Lease.LeaseGrantAsync(new LeaseGrantRequest { TTL = ttl }, o).ConfigureAwait(false),
            cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            // A ttl change while granting wins: keep 0 so the next call grants with the new TTL.
            _id = ttl == _ttl ? response.ID : 0;
        }

        LastRefresh = time.GetTimestamp();
        LogLeaseGranted(response.ID, response.TTL);
        return response.ID;
    }

    private static async Task<long> KeepAliveOnceAsync(EtcdEndpoint endpoint, CallOptions options, long id)
    {
        using var call = endpoint.Lease.LeaseKeepAlive(options);
        await call.RequestStream.WriteAsync(new LeaseKeepAliveRequest { ID = id }, options.CancellationToken).ConfigureAwait(false);
        if (!await call.ResponseStream.MoveNext(options.CancellationToken).ConfigureAwait(false))
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "keepalive stream closed without an answer"));
        }

        var ttl = call.ResponseStream.Current.TTL;
        await call.RequestStream.CompleteAsync().ConfigureAwait(false);
        return ttl;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "etcd lease {LeaseId:x} granted with ttl {Ttl} s")]
    private partial void LogLeaseGranted(long leaseId, long ttl);

    [LoggerMessage(Level = LogLevel.Warning, Message = "etcd lease {LeaseId:x} has expired; its keys are gone")]
    private partial void LogLeaseExpired(long leaseId);
}
