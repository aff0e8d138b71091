using System.Diagnostics;
using Npgsql;
using NodeAgent.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace NodeAgent.IntegrationTests.Cluster;

/// <summary>
/// Beyond the list: a leader whose agent hangs (SIGSTOP) must not stay writable once a replica can take
/// the lock (no split brain), and rejoins as a replica when it wakes up.
/// </summary>
[Collection(AgentClusterSequence.Name)]
public sealed class FrozenLeaderTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Frozen_leader_agent_is_fenced_before_a_replica_takes_over_and_rejoins_when_thawed()
    {
        await using var cluster = await AgentCluster.StartAsync();
        await cluster.ExplainFailuresAsync(async () =>
        {
            var leader = await cluster.WaitForHealthyAsync();
            await leader.ScalarAsync("CREATE TABLE frozen (n int)");

            leader.Freeze();
            var clock = Stopwatch.StartNew();
            TimeSpan? fenced = null;
            AgentNode? successor = null;
            await Poll.UntilAsync(
                async () =>
                {
                    if (fenced is null && !await AcceptsWriteAsync(leader))
                    {
                        fenced = clock.Elapsed;
                    }
                    var name = await cluster.LeaderNameAsync();
                    if (name is not null && name != leader.Name)
                    {
                        successor = cluster.Node(name);
                        // No split brain: the frozen leader's postgres refused writes before the lock moved.
                        Assert.True(fenced is not null || !await AcceptsWriteAsync(leader),
                            $"{leader.Name} still accepted writes when {name} took the lock");
                        fenced ??= clock.Elapsed;
                        return true;
                    }
                    return false;
                },
                AgentCluster.Patience,
                $"a replica to take the lock from frozen {leader.Name}");
            var tookOver = clock.Elapsed;
            output.WriteLine($"{leader.Name} frozen: writes refused after {fenced!.Value.TotalSeconds:0.0} s, {successor!.Name} took the lock after {tookOver.TotalSeconds:0.0} s");
            Assert.True(fenced < TimeSpan.FromSeconds(AgentConfigYaml.Ttl), $"writes still accepted {fenced.Value.TotalSeconds:0.0} s into the freeze");
            // The lease was last renewed up to one loop_wait before the freeze: allow that and a little more.
            Assert.True(tookOver >= TimeSpan.FromSeconds(AgentConfigYaml.Ttl - (2 * AgentConfigYaml.LoopWait)),
                $"{successor.Name} took the lock after {tookOver.TotalSeconds:0.0} s, before the frozen leader's lease (ttl {AgentConfigYaml.Ttl} s) could expire");
            await Poll.UntilAsync(async () => !await successor.IsInRecoveryAsync(), AgentCluster.Patience, $"{successor.Name} to be promoted");
            await successor.ScalarAsync("INSERT INTO frozen VALUES (1)");

            leader.Thaw();
            await cluster.WaitForStreamingAsync(successor);
            Assert.True(await leader.IsInRecoveryAsync());
            Assert.Equal(successor.Name, await cluster.LeaderNameAsync());
            await Poll.UntilAsync(async () => (long)(await leader.ScalarAsync("SELECT count(*) FROM frozen WHERE n = 1"))! == 1,
                TimeSpan.FromSeconds(30), $"the row written on {successor.Name} to reach the thawed {leader.Name}");
            output.WriteLine($"{leader.Name} streams from {successor.Name} {clock.Elapsed.TotalSeconds:0.0} s after the freeze");
        });
    }

    private static async Task<bool> AcceptsWriteAsync(AgentNode node)
    {
        try
        {
            await node.ScalarAsync("INSERT INTO frozen VALUES (0)");
            return true;
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            return false;
        }
    }
}
