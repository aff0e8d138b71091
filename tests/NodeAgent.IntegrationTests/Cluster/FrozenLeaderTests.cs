using System.Diagnostics;
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

            var clock = Stopwatch.StartNew();
            await leader.FreezeAsync();

            // Observe until the successor acknowledged a write; judge afterwards, never inside the poll (whose
            // exceptions mean "not yet"): every write the frozen leader acknowledged is kept.
            var writes = new List<NodeAck>();
            TimeSpan? fenced = null;
            long? lockMovedMs = null;
            AgentNode? successor = null;
            await Poll.UntilAsync(
                async () =>
                {
                    if (!await ProbeAsync(leader, clock, writes))
                    {
                        fenced ??= clock.Elapsed;
                    }
                    if (successor is null && await cluster.LeaderNameAsync() is { } name && name != leader.Name)
                    {
                        lockMovedMs = clock.ElapsedMilliseconds;
                        successor = cluster.Node(name);
                        // The moment the lock moved is the one that matters: look at the frozen leader again at once.
                        if (!await ProbeAsync(leader, clock, writes))
                        {
                            fenced ??= clock.Elapsed;
                        }
                    }
                    return successor is not null && await ProbeAsync(successor, clock, writes);
                },
                AgentCluster.Patience,
                $"a replica to take the lock from frozen {leader.Name} and accept a write");
            WriteOverlap.AssertNoneAfter(writes, leader.Name, lockMovedMs!.Value, $"{successor!.Name} took the lock");
            var tookOver = TimeSpan.FromMilliseconds(lockMovedMs.Value);
            output.WriteLine($"{leader.Name} frozen: writes refused after {fenced!.Value.TotalSeconds:0.0} s, {successor!.Name} took the lock after {tookOver.TotalSeconds:0.0} s");
            Assert.True(fenced < TimeSpan.FromSeconds(AgentConfigYaml.Ttl), $"writes still accepted {fenced.Value.TotalSeconds:0.0} s into the freeze");
            // The lease was last renewed up to one loop_wait before the freeze: allow that and a little more.
            Assert.True(tookOver >= TimeSpan.FromSeconds(AgentConfigYaml.Ttl - (2 * AgentConfigYaml.LoopWait)),
                $"{successor.Name} took the lock after {tookOver.TotalSeconds:0.0} s, before the frozen leader's lease (ttl {AgentConfigYaml.Ttl} s) could expire");
            await successor.ScalarAsync("INSERT INTO frozen VALUES (1)");

            leader.Thaw();
            await cluster.WaitForStreamingAsync(successor);
            // Polled: the thawed node may restart its replica once more while it settles behind the new timeline.
            await Poll.UntilAsync(async () => await leader.IsInRecoveryAsync(), TimeSpan.FromSeconds(30), $"the thawed {leader.Name} to run as a replica");
            Assert.Equal(successor.Name, await cluster.LeaderNameAsync());
            await Poll.UntilAsync(async () => (long)(await leader.ScalarAsync("SELECT count(*) FROM frozen WHERE n = 1"))! == 1,
                TimeSpan.FromSeconds(30), $"the row written on {successor.Name} to reach the thawed {leader.Name}");
            output.WriteLine($"{leader.Name} streams from {successor.Name} {clock.Elapsed.TotalSeconds:0.0} s after the freeze");
        });
    }

    /// <summary>One write to <paramref name="node"/>; an acknowledged one is recorded with its send and ack time.</summary>
    private static async Task<bool> ProbeAsync(AgentNode node, Stopwatch clock, List<NodeAck> writes)
    {
        var start = clock.ElapsedMilliseconds;
        if (!await node.AcceptsWriteAsync("frozen"))
        {
            return false;
        }
        writes.Add(new NodeAck(node.Name, "probe", start, clock.ElapsedMilliseconds));
        return true;
    }
}
