using System.Diagnostics;
using Npgsql;
using NodeAgent.IntegrationTests.Ctl;
using NodeAgent.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace NodeAgent.IntegrationTests.Cluster;

/// <summary>
/// The lease etcd holds for the leader follows the cluster's dynamic ttl, and the fence stays armed for that lease
/// even when its process is killed: a leader frozen afterwards stops accepting writes before its lease can expire.
/// </summary>
[Collection(AgentClusterSequence.Name)]
public sealed class LeaseTimingTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Leader_lease_follows_ttl_edits_without_losing_the_lock()
    {
        await using var cluster = await AgentCluster.StartAsync();
        await cluster.ExplainFailuresAsync(async () =>
        {
            var leader = await cluster.WaitForHealthyAsync();
            var started = await leader.ScalarAsync("SELECT pg_postmaster_start_time()");
            Assert.Equal(AgentConfigYaml.Ttl, (await LeaderLeaseAsync(cluster)).Granted);

            foreach (var ttl in new[] { 20, AgentConfigYaml.Ttl })
            {
                var edited = await CtlRun.AgentCtlAsync("", "-c", leader.ConfigPath, "edit-config", "-s", $"ttl={ttl}", "--force");
                Assert.True(edited.ExitCode == 0, edited.Err);
                var clock = Stopwatch.StartNew();
                await Poll.UntilAsync(async () => (await LeaderLeaseAsync(cluster)).Granted == ttl,
                    TimeSpan.FromSeconds(AgentConfigYaml.LoopWait + 1 + 2), $"the leader key's lease to be granted with ttl {ttl}");
                output.WriteLine($"ttl={ttl}: the leader key's lease had the new TTL {clock.Elapsed.TotalSeconds:0.00} s after edit-config");

                // Same leader, same postmaster: moving the key to the new lease is not a failover.
                Assert.Equal(leader.Name, await cluster.LeaderNameAsync());
                Assert.Equal(started, await leader.ScalarAsync("SELECT pg_postmaster_start_time()"));
                // The member key follows the leader key onto the new lease.
                await Poll.UntilAsync(async () =>
                    {
                        var keys = await EtcdKeys.GetPrefixAsync(cluster.Etcd, cluster.KeyPrefix);
                        return keys[cluster.KeyPrefix + "members/" + leader.Name].Lease == keys[cluster.KeyPrefix + "leader"].Lease;
                    },
                    TimeSpan.FromSeconds(10), "the leader's member key to move to the new lease");
            }
        });
    }

    [Theory]
    [InlineData("fast", null)]
    [InlineData("seed", "{\"ttl\": 30, \"loop_wait\": 10, \"retry_timeout\": 10}")]
    public async Task Leader_whose_fence_was_killed_and_agent_frozen_refuses_writes_before_its_lease_expires(string profile, string? timers)
    {
        await using var cluster = await AgentCluster.StartAsync();
        await cluster.ExplainFailuresAsync(async () =>
        {
            var leader = await cluster.WaitForHealthyAsync();
            await leader.ScalarAsync("CREATE TABLE fenced (n int)");
            if (timers is not null)
            {
                var (status, body) = await AgentRest.PatchAsync(leader, "/config", timers);
                Assert.True(status == 200, body);
                await Poll.UntilAsync(async () => (await LeaderLeaseAsync(cluster)).Granted == 30, TimeSpan.FromSeconds(30),
                    "the leader key's lease to take the seed ttl");
            }

            var fence = await WaitForFenceAsync(leader);
            Assert.True(Signals.Send(fence, Signals.SigKill), $"SIGKILL of fence {fence}");
            await Poll.UntilAsync(() => !Directory.Exists($"/proc/{fence}") || leader.FencePid() != fence, TimeSpan.FromSeconds(10), $"fence {fence} to die");
            var restarted = await WaitForFenceAsync(leader);
            Assert.NotEqual(fence, restarted);
            output.WriteLine($"{profile}: fence {fence} killed, restarted as {restarted}");

            await leader.FreezeAsync();
            TimeSpan refused, keyGone;
            try
            {
                (refused, keyGone) = await WatchFrozenLeaderAsync(cluster, leader, profile);
            }
            finally
            {
                leader.Thaw();
            }

            Assert.True(refused < keyGone, $"postgres still accepted writes {keyGone.TotalSeconds:0.0} s into the freeze, when the leader key expired");
        });
    }

    [Fact]
    public async Task Frozen_leader_is_fenced_before_its_lease_expires_while_ttl_is_edited_up_and_down()
    {
        await using var cluster = await AgentCluster.StartAsync();
        await cluster.ExplainFailuresAsync(async () =>
        {
            var leader = await cluster.WaitForHealthyAsync();
            await leader.ScalarAsync("CREATE TABLE fenced (n int)");
            var other = cluster.Nodes.First(n => n != leader);

            await leader.FreezeAsync();
            TimeSpan refused, keyGone;
            try
            {
                var watch = WatchFrozenLeaderAsync(cluster, leader, "ttl edited during the freeze");
                foreach (var ttl in new[] { 20, AgentConfigYaml.Ttl })
                {
                    var edited = await CtlRun.AgentCtlAsync("", "-c", other.ConfigPath, "edit-config", "-s", $"ttl={ttl}", "--force");
                    Assert.True(edited.ExitCode == 0, edited.Err);
                }

                (refused, keyGone) = await watch;
            }
            finally
            {
                leader.Thaw();
            }

            Assert.True(refused < keyGone, $"postgres still accepted writes {keyGone.TotalSeconds:0.0} s into the freeze, when the leader key expired");
            var successor = await cluster.WaitForHealthyAsync(where: n => n != leader);
            await cluster.WaitForStreamingAsync(successor);
            Assert.True(await leader.IsInRecoveryAsync());
            Assert.Equal(AgentConfigYaml.Ttl, (await LeaderLeaseAsync(cluster)).Granted);
        });
    }

    /// <summary>
    /// Polls a frozen leader until etcd deleted its leader key (or another member holds it already): when did its postgres
    /// first refuse a write, and when was the key gone (nobody can take the lock before that).
    /// </summary>
    private async Task<(TimeSpan Refused, TimeSpan KeyGone)> WatchFrozenLeaderAsync(AgentCluster cluster, AgentNode leader, string what)
    {
        var clock = Stopwatch.StartNew();
        var (granted, remaining) = await LeaderLeaseAsync(cluster);
        output.WriteLine($"{what}: agent frozen; its lease (ttl {granted} s) has {remaining} s left");
        TimeSpan? refused = null, keyGone = null;
        await Poll.UntilAsync(async () =>
            {
                refused ??= await AcceptsWriteAsync(leader) ? null : clock.Elapsed;
                // Gone, or already another member's: a replica woken by the deletion can take the lock between two looks.
                keyGone ??= await EtcdKeys.GetAsync(cluster.Etcd, cluster.KeyPrefix + "leader") is not { } holder || holder != leader.Name
                    ? clock.Elapsed : null;
                return keyGone is not null;
            },
            TimeSpan.FromSeconds(Math.Max(granted, 20) + 10), $"the frozen {leader.Name}'s lease to expire");
        output.WriteLine($"{what}: postgres refused writes {refused?.TotalSeconds:0.0} s into the freeze, the leader key expired after {keyGone!.Value.TotalSeconds:0.0} s");
        Assert.True(refused is not null, $"postgres still accepted writes {keyGone.Value.TotalSeconds:0.0} s into the freeze, when the leader key expired");
        return (refused!.Value, keyGone.Value);
    }

    private static async Task<(long Granted, long Remaining)> LeaderLeaseAsync(AgentCluster cluster)
    {
        var keys = await EtcdKeys.GetPrefixAsync(cluster.Etcd, cluster.KeyPrefix + "leader");
        var lease = keys.TryGetValue(cluster.KeyPrefix + "leader", out var leader) ? leader.Lease : null;
        return lease is null ? (0, -1) : await EtcdKeys.LeaseTimeToLiveAsync(cluster.Etcd, lease);
    }

    private static async Task<int> WaitForFenceAsync(AgentNode node)
    {
        int? pid = null;
        await Poll.UntilAsync(() => (pid = node.FencePid()) is not null, TimeSpan.FromSeconds(10), $"the fence process of {node.Name}");
        return pid!.Value;
    }

    private static async Task<bool> AcceptsWriteAsync(AgentNode node)
    {
        try
        {
            await node.ScalarAsync("INSERT INTO fenced VALUES (1)");
            return true;
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            return false;
        }
    }
}
