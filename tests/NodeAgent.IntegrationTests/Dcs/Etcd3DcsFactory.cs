using Microsoft.Extensions.Logging.Abstractions;
using NodeAgent.Configuration;
using NodeAgent.Dcs.Etcd3;
using NodeAgent.IntegrationTests.Fixtures;

namespace NodeAgent.IntegrationTests.Dcs;

/// <summary>Builds <see cref="Etcd3Dcs"/> instances for one test scope on a real etcd cluster.</summary>
internal static class Etcd3DcsFactory
{
    public static string NewScope() => "t" + Guid.NewGuid().ToString("N")[..10];

    public static AgentConfig Config(EtcdCluster cluster, string scope, string name) => new()
    {
        Scope = scope,
        Name = name,
        Etcd3 = new Etcd3Config { Hosts = cluster.Endpoints },
    };

    public static Etcd3Dcs Create(EtcdCluster cluster, string scope, string name, int ttl = 10, int retryTimeout = 3) =>
        new(Config(cluster, scope, name), new DynamicConfig { Ttl = ttl, RetryTimeout = retryTimeout }, NullLogger<Etcd3Dcs>.Instance, TimeProvider.System);

    public static NodeAgent.Cluster.MemberData Member(string host) => new()
    {
        ConnUrl = $"postgres://{host}:5432/postgres",
        ApiUrl = $"http://{host}:8008/patroni",
        State = "running",
        Role = NodeAgent.Cluster.MemberRole.Replica,
        Version = "3.0.2",
        XlogLocation = 50331648,
        Timeline = 1,
    };
}
