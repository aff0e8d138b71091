using System.Globalization;
using NodeAgent.IntegrationTests.Fixtures;

namespace NodeAgent.IntegrationTests.Interop;

/// <summary>
/// A Patroni 3.0.2 configuration for one test node: etcd3 pointing at the test etcd, every listen and
/// connect address on the node's own loopback address, pg_hba open to 127.0.0.0/8 only, and the fast
/// test timings (ttl 10, loop_wait 1, retry_timeout 3).
/// </summary>
internal static class PatroniConfigYaml
{
    public const int Ttl = 10;
    public const int LoopWait = 1;
    public const int RetryTimeout = 3;

    public static string Render(PatroniNode node, EtcdCluster etcd) => string.Create(CultureInfo.InvariantCulture, $"""
        scope: {node.Scope}
        namespace: /service/
        name: {node.Name}

        restapi:
          listen: {node.Address}:{node.RestPort}
          connect_address: {node.Address}:{node.RestPort}

        etcd3:
          hosts:
        {string.Concat(etcd.Endpoints.Select(e => $"  - {e}\n"))}
        log:
          level: INFO

        watchdog:
          mode: 'off'

        bootstrap:
          dcs:
            ttl: {Ttl}
            loop_wait: {LoopWait}
            retry_timeout: {RetryTimeout}
            maximum_lag_on_failover: 1048576
            postgresql:
              use_pg_rewind: true
              use_slots: true
              parameters:
                wal_keep_size: 64MB
          initdb:
          - encoding: UTF8
          - locale: C
          pg_hba:
          - local all all trust
          - host replication replicator 127.0.0.0/8 md5
          - host all all 127.0.0.0/8 md5

        postgresql:
          listen: {node.Address}:{node.PostgresPort}
          connect_address: {node.Address}:{node.PostgresPort}
          data_dir: {node.DataDir}
          bin_dir: {RequiredBinary.PostgresBin}
          pgpass: {Path.Combine(node.Root, "pgpass")}
          authentication:
            replication:
              username: replicator
              password: {PatroniNode.Password}
            superuser:
              username: postgres
              password: {PatroniNode.Password}
            rewind:
              username: rewinder
              password: {PatroniNode.Password}
          parameters:
            unix_socket_directories: '{node.SocketDir}'
            shared_buffers: 32MB
            logging_collector: 'on'
            log_directory: '{node.PostgresLogDir}'

        """);
}
