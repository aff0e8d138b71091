using System.Text.Json.Nodes;
using NodeAgent.IntegrationTests.Fixtures;

namespace NodeAgent.IntegrationTests.Chaos;

/// <summary>
/// Issue 16, quorum commit (<c>synchronous_mode: quorum</c>): the cut of leader_link_down_sync with the leader running
/// <c>ANY 1 (both replicas)</c> and the sync key naming both as voters with quorum 1. A commit needs one replica's
/// confirmation, not a named one's, so a candidate may take over only after one other voter answers and is not ahead of
/// it (ha.py:_is_healthiest_node's quorum check): that is what keeps every acknowledged commit here.
/// </summary>
public sealed partial class ChaosTests
{
    [Fact]
    public async Task Leader_link_down_in_quorum_mode()
    {
        await SetQuorumModeAsync(true);
        try
        {
            await Scenario.RunAsync("leader_link_down_quorum", ScenarioPromise.FailoverAway with { Synchronous = true }, async (leader, fault) =>
            {
                // The quorum rule is in force on this leader, not FIRST 1 (one named standby) as in synchronous mode.
                var names = (string?)await leader.ScalarAsync("SHOW synchronous_standby_names");
                Assert.True(names?.StartsWith("ANY 1 ", StringComparison.Ordinal) == true,
                    $"{leader.Name} runs synchronous_standby_names '{names}', not ANY 1 over both replicas");
                fault.Proved($"{leader.Name} synchronous_standby_names '{names}'");
                await CutLeaderLinkAsync(leader, fault);
            });
        }
        finally
        {
            await SetQuorumModeAsync(false);
        }
    }

    /// <summary>
    /// synchronous_mode quorum with synchronous_node_count 1 in the dynamic configuration; on, waits until the leader
    /// wrote the sync key with both replicas as voters and quorum 1 (two voters, one of them needed per commit).
    /// </summary>
    private async Task SetQuorumModeAsync(bool on)
    {
        var cluster = lab.Cluster;
        var key = $"/service/{cluster.Scope}/config";
        var config = JsonNode.Parse(await cluster.Etcd.GetAsync(key) ?? "{}")!.AsObject();
        config["synchronous_mode"] = on ? "quorum" : false;
        config["synchronous_node_count"] = 1;
        await cluster.Etcd.EtcdctlAsync(["put", key, config.ToJsonString()]);
        if (!on)
        {
            return;
        }

        string? last = null;
        await Poll.UntilAsync(
            async () =>
            {
                last = await cluster.Etcd.GetAsync(cluster.SyncKey);
                var sync = JsonNode.Parse(last ?? "{}");
                var voters = ((string?)sync?["sync_standby"])?.Split(',') ?? [];
                return (int?)sync?["quorum"] == 1 && voters.Length == 2 && !voters.Contains((string?)sync?["leader"]);
            },
            TimeSpan.FromSeconds(30),
            "the sync key to name both replicas as voters with quorum 1");
        output.WriteLine($"quorum mode on: sync key {last}");
    }
}
