using Npgsql;
using NodeAgent.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace NodeAgent.IntegrationTests.Cluster;

/// <summary>
/// Acceptance: the production HAProxy config (seed listeners, checks against the agents' REST API)
/// routes writes to the leader, refuses writes on the replica port, and follows a switchover.
/// </summary>
[Collection(AgentClusterSequence.Name)]
public sealed class HaproxyRoutingTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Seed_haproxy_sends_writes_to_the_leader_and_the_replica_port_is_read_only()
    {
        await using var cluster = await AgentCluster.StartAsync();
        var bind = LoopbackAddresses.Next();
        var primaryPort = LoopbackAddresses.FreePort(bind);
        var replicaPort = LoopbackAddresses.FreePort(bind);
        var config = SeedHaproxyConfig.Render(
            bind,
            primaryPort,
            replicaPort,
            LoopbackAddresses.FreePort(bind),
            cluster.Nodes.Select(n => new HaproxyNode(n.Name, n.Address, AgentNode.PostgresPort, AgentNode.RestApiPort)).ToList(),
            checkInterval: "500ms");
        await using var haproxy = await HaproxyInstance.StartAsync(config);
        await cluster.ExplainFailuresAsync(async () =>
        {
            var leader = await cluster.WaitForHealthyAsync();
            await leader.ScalarAsync("CREATE TABLE routed (via text, server inet)");
            var replicas = cluster.Nodes.Where(n => n != leader).ToList();
            try
            {
                await Poll.UntilAsync(
                    async () =>
                    {
                        foreach (var node in cluster.Nodes)
                        {
                            var isLeader = node == leader;
                            if (await haproxy.ServerStatusAsync("primary", node.Name) != (isLeader ? "UP" : "DOWN")
                                || await haproxy.ServerStatusAsync("replica", node.Name) != (isLeader ? "DOWN" : "UP"))
                            {
                                return false;
                            }
                        }
                        return true;
                    },
                    AgentCluster.Patience,
                    $"haproxy to mark {leader.Name} UP only in 'primary' and the others UP only in 'replica'");
            }
            catch (TimeoutException ex)
            {
                throw new TimeoutException($"{ex.Message}\n--- haproxy show stat:\n{await haproxy.SendCommandAsync("show stat")}", ex);
            }

            // Writes through the primary port land on the leader.
            var viaPrimary = await ScalarThroughAsync(bind, primaryPort,
                "INSERT INTO routed VALUES ('primary', inet_server_addr()) RETURNING host(server)");
            Assert.Equal(leader.Address, viaPrimary);
            Assert.Equal(1L, (long)(await leader.ScalarAsync("SELECT count(*) FROM routed WHERE via = 'primary'"))!);

            // Reads through the replica port come from a replica; writes there are refused as read-only.
            var readFrom = await ScalarThroughAsync(bind, replicaPort, "SELECT host(inet_server_addr())");
            Assert.Contains(readFrom, replicas.Select(r => r.Address));
            var refused = await Assert.ThrowsAsync<PostgresException>(() =>
                ScalarThroughAsync(bind, replicaPort, "INSERT INTO routed VALUES ('replica', inet_server_addr())"));
            output.WriteLine($"primary port -> {viaPrimary} ({leader.Name}); replica port -> {readFrom}; write on replica port: {refused.MessageText}");
            Assert.Equal(PostgresErrorCodes.ReadOnlySqlTransaction, refused.SqlState);
            Assert.Matches("cannot execute .* in a read-only transaction", refused.MessageText);
            var createDatabase = await Assert.ThrowsAsync<PostgresException>(() => ScalarThroughAsync(bind, replicaPort, "CREATE DATABASE routed_db"));
            Assert.Equal("cannot execute CREATE DATABASE in a read-only transaction", createDatabase.MessageText);

            // After a switchover the primary port follows the new leader.
            var candidate = replicas[0];
            Assert.Equal(
                (200, $"Successfully switched over to \"{candidate.Name}\""),
                await AgentRest.PostAsync(leader, "/switchover", $$"""{"leader":"{{leader.Name}}","candidate":"{{candidate.Name}}"}"""));
            string? after = null;
            await Poll.UntilAsync(
                async () =>
                {
                    after = await ScalarThroughAsync(bind, primaryPort, "INSERT INTO routed VALUES ('primary', inet_server_addr()) RETURNING host(server)");
                    return after == candidate.Address;
                },
                AgentCluster.Patience,
                $"a write through haproxy's primary port to land on the new leader {candidate.Name}");
            output.WriteLine($"after the switchover the primary port -> {after} ({candidate.Name})");
            await Poll.UntilAsync(
                async () => await haproxy.ServerStatusAsync("primary", leader.Name) == "DOWN" && await haproxy.ServerStatusAsync("replica", leader.Name) == "UP",
                AgentCluster.Patience,
                $"haproxy to move the old leader {leader.Name} to the replica backend");
        });
    }

    private static async Task<string?> ScalarThroughAsync(string host, int port, string sql)
    {
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = host,
            Port = port,
            Username = "postgres",
            Password = AgentNode.Password,
            Database = "postgres",
            Timeout = 5,
            CommandTimeout = 5,
            Pooling = false,
            GssEncryptionMode = GssEncryptionMode.Disable,
        };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync().WaitAsync(TimeSpan.FromSeconds(10));
        await using var command = new NpgsqlCommand(sql, connection);
        return (string?)await command.ExecuteScalarAsync().WaitAsync(TimeSpan.FromSeconds(10));
    }
}
