using dotnet_etcd;
using NodeAgent.IntegrationTests.Fixtures;

namespace NodeAgent.IntegrationTests.Ctl;

/// <summary><c>agentctl query</c> against a real PostgreSQL 15 that a member key points at.</summary>
public sealed class AgentCtlQueryTests
{
    [Fact]
    public async Task Query_runs_on_the_leader_and_prints_tsv_like_patronictl()
    {
        await using var etcd = await EtcdCluster.StartAsync(1);
        await using var postgres = await PostgresServer.StartAsync();
        using var dir = new TempDirectory("agentctl-query");
        using var client = new EtcdClient(etcd.ClientUrlsCsv);
        var deadline = DateTime.UtcNow.AddSeconds(5);
        await client.PutAsync("/service/Q1/leader", "pg1", deadline: deadline);
        await client.PutAsync("/service/Q1/members/pg1",
            $$"""{"conn_url":"postgres://{{postgres.Address}}:{{postgres.Port}}/postgres","api_url":"http://127.0.0.1:1/patroni","state":"running","role":"master","version":"3.0.2"}""",
            deadline: deadline);
        var config = dir.Combine("c.yml");
        await File.WriteAllTextAsync(config, $"scope: Q1\netcd3:\n  hosts: {etcd.EndpointsCsv}\n");
        var auth = new[] { "-U", postgres.Superuser, "-d", "postgres", "--password" };

        var ok = await CtlRun.AgentCtlAsync(postgres.Password + "\n", ["-c", config, "query", .. auth, "-c", "SELECT 1 AS one, NULL AS nothing, true AS yes, 'a b' AS text"]);
        // The query connection reads no arrays (NpgsqlSources): such a cell shows its type, the row's other cells print.
        var unread = await CtlRun.AgentCtlAsync(postgres.Password + "\n", ["-c", config, "query", .. auth, "-c", "SELECT ARRAY[1,2] AS arr, '1.2.3.4'::inet AS ip, int4range(1,3) AS r"]);
        var failed = await CtlRun.AgentCtlAsync(postgres.Password + "\n", ["-c", config, "query", .. auth, "-c", "SELECT * FROM missing_table"]);
        var noReplica = await CtlRun.AgentCtlAsync(postgres.Password + "\n", ["-c", config, "query", .. auth, "-r", "replica", "-c", "SELECT 1"]);

        Assert.Equal("Password: one\tnothing\tyes\ttext\n1\tNone\tTrue\ta b\n", ok.Out);
        Assert.Equal("Password: arr\tip\tr\n<integer[]>\t1.2.3.4\t[1,3)\n", unread.Out);
        Assert.EndsWith("\tERROR, SQLSTATE: 42P01\n", failed.Out, StringComparison.Ordinal);
        Assert.EndsWith("\tNo connection to role=replica is available\n", noReplica.Out, StringComparison.Ordinal);
    }
}
