using System.Globalization;

namespace NodeAgent.IntegrationTests.Cluster;

/// <summary>
/// The seed config (shared/seed/patroni-config-u4.yml) of one node with its addresses moved to
/// loopback, its paths into the node's temp root, and the test timings (ttl 10, loop_wait 1,
/// retry_timeout 3). Everything else is kept as the seed writes it.
/// </summary>
internal static class AgentConfigYaml
{
    public const int Ttl = 10;
    public const int LoopWait = 1;
    public const int RetryTimeout = 3;

    /// <summary>bootstrap.dcs of the rendered config as JSON, as Patroni writes it to the config key.</summary>
    public const string BootstrapDcsJson =
        """{"ttl":10,"loop_wait":1,"retry_timeout":3,"postgresql":{"use_pg_rewind":true,"use_slots":true,"parameters":{"listen_addresses":"*","port":5432,"logging_collector":"on","archive_mode":"off"}},"slots":{"patroni":{"type":"physical"}}}""";

    /// <param name="postgresqlYaml">Lines added under <c>postgresql:</c>, written unindented (e.g. "pre_promote: /bin/true").</param>
    public static string Render(AgentNode node, string postgresqlYaml = "") => string.Create(CultureInfo.InvariantCulture, $"""
        scope: {node.Scope}
        name: {node.Name}

        restapi:
          listen: {node.Address}:{AgentNode.RestApiPort}
          connect_address: {node.Address}:{AgentNode.RestApiPort}
        log:
          dir: {node.Root}
        etcd3:
          hosts: {node.Etcd.EndpointsCsv}

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
          - host replication replicator 127.0.0.0/8 md5
          - host all all 127.0.0.0/8 md5

        postgresql:
          listen: {node.Address}:{AgentNode.PostgresPort}
          connect_address: {node.Address}:{AgentNode.PostgresPort}
          data_dir: {node.DataDir}
          bin_dir: /usr/lib/postgresql/15/bin
          authentication:
            replication:
              username: replicator
              password: {AgentNode.Password}
            superuser:
              username: postgres
              password: {AgentNode.Password}
          parameters:
            unix_socket_directories: '{node.SocketDir}'
            max_connections: 300
        {Indented(postgresqlYaml)}

        watchdog:
          mode: automatic
          device: /dev/watchdog
          safety_margin: 5

        """);

    private static string Indented(string yaml) =>
        string.Concat(yaml.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => "  " + line + "\n"));
}
