using System.Text.Json.Nodes;
using NodeAgent.IntegrationTests.Ctl;
using NodeAgent.IntegrationTests.Fixtures;

namespace NodeAgent.IntegrationTests.Cluster;

/// <summary>Issue 17: the failsafe state in <c>agentctl list -e</c>, asked from each agent's GET /patroni.</summary>
public sealed partial class AgentCtlClusterTests
{
    [Fact]
    public async Task Agentctl_list_e_shows_the_failsafe_state_only_when_failsafe_mode_is_on()
    {
        await using var cluster = await AgentCluster.StartAsync();
        await cluster.ExplainFailuresAsync(async () =>
        {
            var leader = await cluster.WaitForHealthyAsync();
            var replica = cluster.Nodes.First(n => n != leader);

            // failsafe_mode off: list -e as patronictl prints it, no column of ours for it.
            var off = await CtlRun.AgentCtlAsync("", "-c", ConfigOf(cluster), "list", "-e", "-f", "json");
            Assert.Equal(0, off.ExitCode);
            Assert.All(JsonNode.Parse(off.Out)!.AsArray(), m => Assert.False(m!.AsObject().ContainsKey("Failsafe"), off.Out));

            var edit = await CtlRun.AgentCtlAsync("", "-c", ConfigOf(cluster), "edit-config", "-s", "failsafe_mode=true", "--force");
            Assert.Equal(0, edit.ExitCode);

            // On, etcd fine: nobody is in failsafe mode.
            await Poll.UntilAsync(async () =>
            {
                var on = await ListExtendedAsync(cluster);
                return on.Count == 3 && on.Values.All(s => s == "inactive");
            }, TimeSpan.FromSeconds(30), "agentctl list -e to show every member's failsafe state inactive");
            var plain = await CtlRun.AgentCtlAsync("", "-c", ConfigOf(cluster), "list");
            Assert.DoesNotContain("Failsafe", plain.Out, StringComparison.Ordinal);

            // A replica that accepted the leader's POST /failsafe (as during an etcd outage) reports it for ttl.
            var heartbeat = new JsonObject
            {
                ["name"] = leader.Name,
                ["conn_url"] = $"postgres://{leader.Address}:{AgentNode.PostgresPort}/postgres",
                ["api_url"] = $"http://{leader.Address}:{AgentNode.RestApiPort}/patroni",
            }.ToJsonString();
            Dictionary<string, string?> states = [];
            await Poll.UntilAsync(async () =>
            {
                var (status, _) = await AgentRest.PostAsync(replica, "/failsafe", heartbeat);
                states = await ListExtendedAsync(cluster);
                return status == 200 && states.GetValueOrDefault(replica.Name) == "active" && states.GetValueOrDefault(leader.Name) == "inactive";
            }, TimeSpan.FromSeconds(30), $"agentctl list -e to show {replica.Name} active after it accepted a failsafe heartbeat");
            output.WriteLine((await CtlRun.AgentCtlAsync("", "-c", ConfigOf(cluster), "list", "-e")).Out);
        });
    }

    private static async Task<Dictionary<string, string?>> ListExtendedAsync(AgentCluster cluster)
    {
        var result = await CtlRun.AgentCtlAsync("", "-c", ConfigOf(cluster), "list", "-e", "-f", "json");
        return result.ExitCode != 0
            ? []
            : JsonNode.Parse(result.Out)!.AsArray().ToDictionary(m => (string)m!["Member"]!, m => (string?)m!["Failsafe"]);
    }
}
