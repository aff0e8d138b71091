using System.Text.Json.Nodes;
using NodeAgent.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace NodeAgent.IntegrationTests.Cluster;

/// <summary>Acceptance: Patroni's own patronictl 3.0.2, given an agent's config file, lists the cluster.</summary>
[Collection(AgentClusterSequence.Name)]
public sealed class PatronictlTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Patronictl_list_on_an_agent_config_shows_three_members_and_one_leader()
    {
        var patronictl = RequiredBinary.Require("/usr/bin/patronictl", "patroni");
        await using var cluster = await AgentCluster.StartAsync();
        await cluster.ExplainFailuresAsync(async () =>
        {
            var leader = await cluster.WaitForHealthyAsync();
            JsonArray rows = [];
            string text = "";
            // Member keys follow the cluster by up to loop_wait: poll until patronictl sees them settled.
            await Poll.UntilAsync(
                async () =>
                {
                    text = await CommandRunner.RunAsync(patronictl, ["-c", leader.ConfigPath, "list", "-f", "json"]);
                    rows = JsonNode.Parse(text)!.AsArray();
                    return rows.Count == 3 && rows.All(r => (string?)r!["State"] == "running");
                },
                TimeSpan.FromSeconds(30),
                "patronictl list to show three running members");
            output.WriteLine(text);
            output.WriteLine(await CommandRunner.RunAsync(patronictl, ["-c", leader.ConfigPath, "list"]));

            Assert.Equal(["u4", "u5", "u6"], rows.Select(r => (string?)r!["Member"]).Order(StringComparer.Ordinal));
            var leaders = rows.Where(r => (string?)r!["Role"] == "Leader").ToList();
            Assert.Single(leaders);
            Assert.Equal(leader.Name, (string?)leaders[0]!["Member"]);
            Assert.All(rows.Where(r => (string?)r!["Member"] != leader.Name), r => Assert.Equal("Replica", (string?)r!["Role"]));
            foreach (var row in rows)
            {
                var node = cluster.Node((string)row!["Member"]!);
                Assert.Equal(node.Address, (string?)row["Host"]);
                Assert.Equal(1, (int)row["TL"]!);
                Assert.Equal(cluster.Scope, (string?)row["Cluster"]);
            }
        });
    }
}
