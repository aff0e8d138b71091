using Etcdserverpb;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace NodeAgent.Dcs.Etcd3;

/// <summary>
/// This node's one lease (TTL = the ttl in force), to which the member key and the leader key are bound
/// (Patroni's <c>Etcd3._do_refresh_lease</c>). Refreshed with a single-shot keepalive: a stream opened for one
/// request and one response under the attempt deadline, never a long-lived keepalive helper.
/// </summary>
internal sealed partial class EtcdLease(EtcdEndpointPool pool, TimeProvider time, ILogger logger)
{
    private readonly Lock _gate = new();
    private long _id;
    private int _requestedTtl;
    private int _grantedTtl;
    private int _wantedTtl = 30;

    /// <summary>The current lease ID, 0 when none is held.</summary>
    public long Id
    {
        get { lock (_gate) { return _id; } }
    }

    /// <summary>The TTL etcd reported for the current lease at its grant or last keepalive (0 when none is held).</summary>
    public int GrantedTtl
    {
        get { lock (_gate) { return _id == 0 ? 0 : _grantedTtl; } }
    }

    /// <summary>The current lease was granted for another ttl than the one in force: it must be replaced.</summary>
    public bool NeedsNewTtl
    {
        get { lock (_gate) { return _id != 0 && _requestedTtl != _wantedTtl; } }
    }

    /// <summary>Monotonic timestamp of the last grant or successful keepalive.</summary>
    public long LastRefresh { get; private set; }

    /// <summary>
    /// The ttl in force (<c>Etcd3.set_ttl</c>). The lease is not dropped here: its keys would vanish with it. A node
    /// without the lock replaces it at its next refresh; the lock holder moves the leader key over under a compare.
    /// </summary>
    public void SetTtl(int seconds)
    {
        lock (_gate)
        {
            _wantedTtl = seconds;
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
            lock (_gate)
            {
                if (_id == id)
                {
                    _grantedTtl = (int)ttl;
                }
            }

            LastRefresh = time.GetTimestamp();
            return true;
        }

        LogLeaseExpired(id);
        Drop(id);
        await GrantAsync(cancellationToken).ConfigureAwait(false);
        return false;
    }

    /// <summary>Grants a lease with the ttl in force and makes it the current one.</summary>
    public async Task<long> GrantAsync(CancellationToken cancellationToken)
    {
        var (id, requested, granted) = await GrantNewAsync(cancellationToken).ConfigureAwait(false);
        Adopt(id, requested, granted);
        return id;
    }

    /// <summary>Grants a lease with the ttl in force without using it yet (the leader key moves to it first).</summary>
    public async Task<(long Id, int Requested, int Granted)> GrantNewAsync(CancellationToken cancellationToken)
    {
        int ttl;
        lock (_gate)
        {
            ttl = _wantedTtl;
        }

        var response = await pool.ExecuteAsync(
            "lease grant",
            async (e, o) => await e.Lease.LeaseGrantAsync(new LeaseGrantRequest { TTL = ttl }, o).ConfigureAwait(false),
            cancellationToken).ConfigureAwait(false);
        LastRefresh = time.GetTimestamp();
        LogLeaseGranted(response.ID, response.TTL);
        return (response.ID, ttl, (int)response.TTL);
    }

    /// <summary>From now on keys are bound to this lease.</summary>
    public void Adopt(long id, int requestedTtl, int grantedTtl)
    {
        lock (_gate)
        {
            (_id, _requestedTtl, _grantedTtl) = (id, requestedTtl, grantedTtl);
        }
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
