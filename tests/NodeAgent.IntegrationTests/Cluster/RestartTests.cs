using System.Diagnostics;
using NodeAgent.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace NodeAgent.IntegrationTests.Cluster;

/// <summary>Acceptance: agents restart without re-cloning; a stopping leader hands over the lock at once.</summary>
[Collection(AgentClusterSequence.Name)]
public sealed class RestartTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Restarted_replica_rejoins_without_clone_and_stopped_leader_releases_the_lock()
    {
        await using var cluster = await AgentCluster.StartAsync();
        await cluster.ExplainFailuresAsync(async () =>
        {
            var leader = await cluster.WaitForHealthyAsync();
            await leader.ScalarAsync("CREATE TABLE restarts (n int); INSERT INTO restarts VALUES (1)");

            // 1. A replica's agent stops (SIGTERM) and starts again: same data dir, no pg_basebackup.
            var replica = cluster.Nodes.First(n => n != leader);
            replica.DropMarker();
            var sysid = await replica.SystemIdentifierFromControlDataAsync();
            var clones = replica.CloneCount();
            Assert.Equal(1, clones);
            // Issue 19: pg_basebackup ran with --progress, and the agent logged its bytes done of total.
            Assert.Matches(@"base backup from u\d: \d+ of [1-9]\d* bytes copied \(\d+%\)", replica.ReadLog());
            Assert.True(await replica.StopAsync(), $"agent {replica.Name} did not exit within 90 s of SIGTERM");
            Assert.Null(replica.PostmasterPid());
            Assert.Empty(replica.PostgresPidsOfDataDir());
            replica.Start();
            await cluster.WaitForStreamingAsync(leader);
            Assert.True(replica.HasMarker(), $"{replica.Name}'s data dir was replaced: the marker file is gone");
            Assert.Equal(sysid, await replica.SystemIdentifierFromControlDataAsync());
            Assert.Equal(clones, replica.CloneCount());
            Assert.Equal(leader.Name, await cluster.LeaderNameAsync());

            // 2. The leader's agent stops: it releases the lock on the way out, long before ttl.
            var clock = Stopwatch.StartNew();
            Assert.True(await leader.StopAsync(), $"leader agent {leader.Name} did not exit within 90 s of SIGTERM");
            var exited = clock.Elapsed;
            var holder = await cluster.LeaderNameAsync();
            output.WriteLine($"{leader.Name} exited {exited.TotalSeconds:0.00} s after SIGTERM; leader key then: {holder ?? "(none)"}");
            Assert.NotEqual(leader.Name, holder);
            Assert.Empty(leader.PostgresPidsOfDataDir());
            var successor = await cluster.WaitForLeaderAsync(where: n => n != leader);
            var elected = clock.Elapsed;
            output.WriteLine($"{successor.Name} took the leader key {elected.TotalSeconds:0.00} s after SIGTERM");
            Assert.True(elected < TimeSpan.FromSeconds(AgentConfigYaml.Ttl),
                $"a replica took the lock {elected.TotalSeconds:0.0} s after the leader's SIGTERM: not faster than ttl expiry");
            var third = cluster.Nodes.Single(n => n != leader && n != successor);
            await Poll.UntilAsync(async () => !await successor.IsInRecoveryAsync(), AgentCluster.Patience, $"{successor.Name} to be promoted");
            await AgentCluster.WaitForStreamingAsync(successor, [third]);
            await successor.ScalarAsync("INSERT INTO restarts VALUES (2)");

            // 3. The old leader comes back as a replica of the new one.
            leader.Start();
            await cluster.WaitForStreamingAsync(successor);
            output.WriteLine($"old leader {leader.Name} streaming from {successor.Name} {clock.Elapsed.TotalSeconds:0.0} s after its SIGTERM");
            Assert.True(await leader.IsInRecoveryAsync());
            Assert.Equal(successor.Name, await cluster.LeaderNameAsync());
            await Poll.UntilAsync(
                async () => (long)(await leader.ScalarAsync("SELECT count(*) FROM restarts"))! == 2,
                TimeSpan.FromSeconds(30),
                $"the row written on {successor.Name} to reach {leader.Name}");
            // It initialized the cluster and shut down cleanly: like Patroni it follows with its own data.
            Assert.Equal(0, leader.CloneCount());
        });
    }
}
