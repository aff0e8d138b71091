using Etcdserverpb;
using Grpc.Core;
using Grpc.Net.Client;

namespace NodeAgent.Dcs.Etcd3;

/// <summary>One etcd member: its channel, the generated service clients, and its auth token.</summary>
internal sealed class EtcdEndpoint : IDisposable
{
    private readonly GrpcChannel _channel;

    public EtcdEndpoint(Uri address, GrpcChannel channel)
    {
        Address = address;
        _channel = channel;
        Kv = new KV.KVClient(channel);
        Lease = new Lease.LeaseClient(channel);
        Watch = new Watch.WatchClient(channel);
        Auth = new Auth.AuthClient(channel);
    }

    public Uri Address { get; }
    public KV.KVClient Kv { get; }
    public Lease.LeaseClient Lease { get; }
    public Watch.WatchClient Watch { get; }
    public Auth.AuthClient Auth { get; }

    /// <summary>etcd auth token, sent as the "token" metadata; null until authenticated or after a rejection.</summary>
    public string? Token { get; set; }

    public Metadata? Headers => Token is null ? null : new Metadata { { "token", Token } };

    public override string ToString() => Address.Authority;

    public void Dispose() => _channel.Dispose();
}
