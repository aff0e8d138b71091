using System.Globalization;

namespace NodeAgent.IntegrationTests.Chaos;

/// <summary>
/// The seed config of one node in the chaos lab: addresses on the node's namespace, paths in its temp
/// root, and the "fast" profile (ttl 10, loop_wait 2, retry_timeout 3). pg_hba admits the lab subnet;
/// initdb's own "local ... trust" lines stay, which is how the test observes postgres over its unix socket.
/// </summary>
internal static class ChaosAgentConfig
{
    public const int Ttl = 10;
    public const int LoopWait = 2;
    public const int RetryTimeout = 3;

    /// <param name="haproxyRuntime">
    /// HAProxy's runtime API (host:port) for the routing push (<c>haproxy_runtime</c>), or null for the seed's setup, where
    /// only HAProxy's health checks route.
    /// </param>
    public static string Render(ChaosNode node, string scope, string etcdHosts, string cidr, string? haproxyRuntime = null) =>
        Seed(node, scope, etcdHosts, cidr) + (haproxyRuntime is null ? "" : string.Create(CultureInfo.InvariantCulture, $"""
            haproxy_runtime:
              address: {haproxyRuntime}
              timeout: 1

            """));

    private static string Seed(ChaosNode node, string scope, string etcdHosts, string cidr) => string.Create(CultureInfo.InvariantCulture, $"""
        scope: {scope}
        name: {node.Name}

        restapi:
          listen: {node.Address}:{ChaosNode.RestApiPort}
          connect_address: {node.Address}:{ChaosNode.RestApiPort}
        log:
          dir: {node.Root}
        etcd3:
          hosts: {etcdHosts}

        bootstrap:
          dcs:
            #loop_wait + 2 * retry_timeout <= ttl
            ttl: {Ttl}
            loop_wait: {LoopWait}
            retry_timeout: {RetryTimeout}
            postgresql:
              use_pg_rewind: true
              use_slots: true
              parameters:
                listen_addresses: '*'
                port: 5432
                logging_collector: 'on'
                archive_mode: 'off'
            slots:
              patroni:
                type: physical

          initdb:
          - data-checksums

          pg_hba:
          - host replication replicator {cidr} md5
          - host all all {cidr} md5

        postgresql:
          listen: {node.Address}:{ChaosNode.PostgresPort}
          connect_address: {node.Address}:{ChaosNode.PostgresPort}
          data_dir: {node.DataDir}
          bin_dir: /usr/lib/postgresql/15/bin
          authentication:
            replication:
              username: replicator
              password: {ChaosNode.Password}
            superuser:
              username: postgres
              password: {ChaosNode.Password}
          parameters:
            unix_socket_directories: '{node.SocketDir}'
            max_connections: 300

        watchdog:
          mode: automatic
          device: /dev/watchdog
          safety_margin: 5

        """);
}
