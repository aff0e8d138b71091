using System.Text.Json;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace NodeAgent.IntegrationTests.Cluster;

/// <summary>Acceptance: the keys the agents write are Patroni 3.0.2's (dcs/etcd3.py key layout, ha.py:touch_member values).</summary>
[Collection(AgentClusterSequence.Name)]
public sealed class DcsKeysTests(ITestOutputHelper output)
{
    private static readonly string[] KnownKeys = ["config", "initialize", "leader", "status", "history", "failover", "sync", "failsafe", "optime/leader"];
    private static readonly string[] MemberFieldOrder = ["conn_url", "api_url", "state", "role", "version"];

    [Fact]
    public async Task Keys_match_patroni_layout_initialize_members_and_config()
    {
        await using var cluster = await AgentCluster.StartAsync();
        await cluster.ExplainFailuresAsync(async () =>
        {
            var leader = await cluster.WaitForHealthyAsync();
            // Member keys are refreshed every loop_wait: wait until each reports itself running on timeline 1.
            IReadOnlyDictionary<string, EtcdEntry> keys = new Dictionary<string, EtcdEntry>();
            await Fixtures.Poll.UntilAsync(
                async () =>
                {
                    keys = await EtcdKeys.GetPrefixAsync(cluster.Etcd, cluster.KeyPrefix);
                    return cluster.Nodes.All(n => keys.TryGetValue(cluster.KeyPrefix + "members/" + n.Name, out var m)
                        && JsonNode.Parse(m.Value) is JsonObject o && (string?)o["state"] == "running" && o["timeline"] is not null
                        && (string?)o["role"] == (n == leader ? "master" : "replica"));
                },
                TimeSpan.FromSeconds(30),
                "every member key to show state running, its role and a timeline");
            foreach (var (key, entry) in keys.OrderBy(k => k.Key, StringComparer.Ordinal))
            {
                output.WriteLine($"{key} (lease {entry.Lease ?? "none"}) = {entry.Value}");
            }

            var relative = keys.Keys.Select(k => k[cluster.KeyPrefix.Length..]).ToList();
            Assert.All(relative, k => Assert.True(KnownKeys.Contains(k) || (k.StartsWith("members/", StringComparison.Ordinal) && k.Count(c => c == '/') == 1),
                $"unexpected key {cluster.KeyPrefix}{k}: Patroni writes no such key"));

            // initialize = the system identifier of the data dir, and it is permanent (no lease).
            var initialize = keys[cluster.KeyPrefix + "initialize"];
            Assert.Equal(await leader.SystemIdentifierFromControlDataAsync(), initialize.Value);
            Assert.Null(initialize.Lease);

            // leader = the member name in plain text, on the leader's lease.
            var leaderKey = keys[cluster.KeyPrefix + "leader"];
            Assert.Equal(leader.Name, leaderKey.Value);
            Assert.NotNull(leaderKey.Lease);

            foreach (var node in cluster.Nodes)
            {
                var entry = keys[cluster.KeyPrefix + "members/" + node.Name];
                AssertMember(node, node == leader, entry);
                if (node == leader)
                {
                    Assert.Equal(leaderKey.Lease, entry.Lease);
                }
            }

            // config = bootstrap.dcs as compact JSON, numbers kept as numbers, permanent.
            var config = keys[cluster.KeyPrefix + "config"];
            Assert.Null(config.Lease);
            var configJson = JsonNode.Parse(config.Value)!;
            Assert.True(
                JsonNode.DeepEquals(JsonNode.Parse(AgentConfigYaml.BootstrapDcsJson), configJson),
                $"config key {config.Value} differs from bootstrap.dcs {AgentConfigYaml.BootstrapDcsJson}");
            Assert.Equal(JsonValueKind.Number, configJson["ttl"]!.GetValueKind());
            Assert.Equal(JsonValueKind.Number, configJson["postgresql"]!["parameters"]!["port"]!.GetValueKind());
            Assert.DoesNotContain(": ", config.Value, StringComparison.Ordinal);

            // status (3.0.2): {"optime": <int>} written by the leader.
            if (keys.TryGetValue(cluster.KeyPrefix + "status", out var status))
            {
                Assert.Equal(JsonValueKind.Number, JsonNode.Parse(status.Value)!["optime"]!.GetValueKind());
            }
        });
    }

    private static void AssertMember(AgentNode node, bool isLeader, EtcdEntry entry)
    {
        var member = Assert.IsType<JsonObject>(JsonNode.Parse(entry.Value));
        Assert.NotNull(entry.Lease);
        var names = member.Select(p => p.Key).ToList();
        Assert.Equal(MemberFieldOrder, names.Take(MemberFieldOrder.Length));
        Assert.Equal($"postgres://{node.Address}:{AgentNode.PostgresPort}/postgres", (string?)member["conn_url"]);
        Assert.Equal($"http://{node.Address}:{AgentNode.RestApiPort}/patroni", (string?)member["api_url"]);
        Assert.Equal("running", (string?)member["state"]);
        Assert.Equal(isLeader ? "master" : "replica", (string?)member["role"]);
        Assert.Equal(JsonValueKind.String, member["version"]!.GetValueKind());
        Assert.Matches(@"^\d+\.\d+\.\d+", (string?)member["version"]);
        Assert.Equal(JsonValueKind.Number, member["xlog_location"]!.GetValueKind());
        Assert.True((long)member["xlog_location"]! > 0, $"{node.Name}: xlog_location {member["xlog_location"]}");
        Assert.Equal(1, (int)member["timeline"]!);
        Assert.DoesNotContain(": ", entry.Value, StringComparison.Ordinal);
    }
}
