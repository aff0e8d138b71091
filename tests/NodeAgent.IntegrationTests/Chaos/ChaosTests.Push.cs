using System.Globalization;
using System.Text.Json.Nodes;
using NodeAgent.IntegrationTests.Fixtures;

namespace NodeAgent.IntegrationTests.Chaos;

/// <summary>
/// Issue 15: the leader cut from etcd alone, with the routing push (<c>haproxy_runtime</c>) on, so HAProxy routes to
/// the new primary when it is promoted instead of after its checks (inter 1s, rise 2). The other scenarios keep the
/// seed's setup, where only the checks route: the agents are restarted with the push for this one scenario and without
/// it afterwards, in pause, so postgres and the leader key stay where they are.
/// </summary>
public sealed partial class ChaosTests
{
    private const string Pushed = "told HAProxy at";

    [Fact]
    public Task Leader_cut_from_etcd_only_with_routing_push() => WithRoutingPushAsync(() =>
        Scenario.RunAsync("leader_cut_from_etcd_push", ScenarioPromise.FailoverAway, async (leader, fault) =>
        {
            var logFrom = lab.Cluster.Nodes.ToDictionary(n => n.Name, LogLength);
            var others = RestOf(Others(leader)).ToList();
            var haproxy = new LabEndpoint("hap", lab.Cluster.Haproxy.Host.Address, ChaosHaproxy.RuntimeApiPort);
            await LinkCheck.RequireReachableAsync(leader.Host, [.. Etcd, .. others, haproxy]);
            fault.HealWith(leader.Host.UnblockAsync);
            await leader.Host.BlockAsync(lab.Cluster.Etcd.Addresses);
            fault.Proved(await LinkCheck.RequireCutAsync(leader.Host, Etcd));
            await LinkCheck.RequireReachableAsync(leader.Host, [.. others, haproxy]);
            fault.Proved($"{string.Join(", ", others)}, {haproxy} still reachable");
            string? successor = null;
            await Poll.UntilAsync(
                async () => (successor = await lab.Cluster.LeaderNameAsync()) is { } name && name != leader.Name,
                FaultHold,
                $"a replica to take the lock from {leader.Name}");
            fault.Proved(string.Create(CultureInfo.InvariantCulture, $"{successor} took the lock at {fault.Elapsed.TotalSeconds:0.0} s"));
            // The push, not the checks, must be what routed: the new leader's log says it told HAProxy.
            var node = lab.Cluster.Node(successor!);
            await RequireLoggedAsync(node, logFrom[node.Name], Pushed, fault);
            await fault.HoldAsync(FaultHold);
        }));

    /// <summary>Runs <paramref name="scenario"/> with every agent pushing to the lab's HAProxy, then restores the seed's setup.</summary>
    private async Task WithRoutingPushAsync(Func<Task> scenario)
    {
        await RestartAgentsAsync(lab.Cluster.Haproxy.RuntimeApiAddress);
        try
        {
            await scenario();
        }
        finally
        {
            await RestartAgentsAsync(haproxyRuntime: null);
        }
    }

    /// <summary>
    /// Restarts every agent with or without <c>haproxy_runtime</c> (read at start only). Paused meanwhile: a paused agent
    /// that stops leaves postgres running and the leader key in place (<c>ha.py:shutdown</c>), so nothing fails over. The
    /// leader key and the member keys live on the old agents' leases; each new agent writes its member key under its own
    /// lease, and the primary takes the leader key again once the old lease expired. Only then is the pause lifted.
    /// </summary>
    private async Task RestartAgentsAsync(string? haproxyRuntime)
    {
        var cluster = lab.Cluster;
        var leader = await cluster.LeaderNameAsync() ?? throw new InvalidOperationException("no leader before the agents' restart");
        var keys = cluster.Nodes.Select(n => $"/service/{cluster.Scope}/members/{n.Name}").Append(cluster.LeaderKey).ToList();
        var oldLeases = new Dictionary<string, long?>();
        foreach (var key in keys)
        {
            oldLeases[key] = await LeaseOfAsync(key);
        }
        await SetConfigAsync("pause", true);
        try
        {
            await Poll.UntilAsync(AllMembersPausedAsync, TimeSpan.FromSeconds(30), "every member key to carry \"pause\":true");
            foreach (var node in cluster.Nodes)
            {
                await node.RestartAgentAsync(haproxyRuntime);
            }
            await Poll.UntilAsync(
                async () =>
                {
                    foreach (var key in keys)
                    {
                        if (await LeaseOfAsync(key) is not { } lease || lease == oldLeases[key])
                        {
                            return false;
                        }
                    }
                    return await cluster.LeaderNameAsync() == leader && await AllMembersPausedAsync();
                },
                TimeSpan.FromSeconds(60),
                $"the restarted agents to write their member keys under new leases, and {leader} to take the leader key again");
        }
        finally
        {
            await SetConfigAsync("pause", false);
        }
        await cluster.WaitForHealthyAsync(TimeSpan.FromSeconds(60));
        // Three agents starting at once load the machine: wait until every node reaches etcd and the others again, so
        // the next scenario's own reachability proof measures the lab, not the restart.
        await Poll.UntilAsync(
            async () =>
            {
                foreach (var node in cluster.Nodes)
                {
                    var peers = Etcd.Concat(RestOf(Others(node))).ToList();
                    var open = await Task.WhenAll(peers.Select(p => node.Host.CanConnectAsync(p.Address, p.Port)));
                    if (open.Any(o => !o))
                    {
                        return false;
                    }
                }
                return true;
            },
            TimeSpan.FromSeconds(60),
            "every node to reach etcd and the other nodes' REST APIs after the restart");
    }

    private async Task<bool> AllMembersPausedAsync()
    {
        foreach (var node in lab.Cluster.Nodes)
        {
            var member = await lab.Cluster.Etcd.GetAsync($"/service/{lab.Cluster.Scope}/members/{node.Name}");
            if (member is null || JsonNode.Parse(member)?["pause"]?.GetValue<bool>() != true)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>The lease a key is attached to; null when the key is absent or has none.</summary>
    private async Task<long?> LeaseOfAsync(string key)
    {
        var json = JsonNode.Parse(await lab.Cluster.Etcd.EtcdctlAsync(["get", key, "-w", "json"]));
        return json?["kvs"] is JsonArray { Count: > 0 } kvs && kvs[0]?["lease"] is { } lease ? lease.GetValue<long>() : null;
    }
}
