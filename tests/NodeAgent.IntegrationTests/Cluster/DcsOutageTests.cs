using System.Diagnostics;
using Npgsql;
using NodeAgent.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace NodeAgent.IntegrationTests.Cluster;

/// <summary>Acceptance: with every etcd member gone the primary stops taking writes within ttl; replicas keep reading.</summary>
[Collection(AgentClusterSequence.Name)]
public sealed class DcsOutageTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(3);

    [Fact]
    public async Task All_etcd_members_down_fences_the_leader_within_ttl_and_the_cluster_recovers_without_clones()
    {
        await using var cluster = await AgentCluster.StartAsync();
        await cluster.ExplainFailuresAsync(async () =>
        {
            var leader = await cluster.WaitForHealthyAsync();
            await leader.ScalarAsync("CREATE TABLE outage (n int); INSERT INTO outage VALUES (1); CREATE TABLE fence_probe (n int)");
            var replicas = cluster.Nodes.Where(n => n != leader).ToList();
            foreach (var replica in replicas)
            {
                await Poll.UntilAsync(async () => (long)(await replica.ScalarAsync("SELECT count(*) FROM outage"))! == 1,
                    TimeSpan.FromSeconds(30), $"the first row on {replica.Name}");
            }
            var before = new Dictionary<AgentNode, (string Sysid, int Clones)>();
            foreach (var node in cluster.Nodes)
            {
                node.DropMarker();
                before[node] = (await node.SystemIdentifierFromControlDataAsync(), node.CloneCount());
            }

            // Quorum is lost when the second member goes; the lease cannot be renewed from then on.
            cluster.Etcd.Stop(0);
            var clock = Stopwatch.StartNew();
            cluster.Etcd.Stop(1);
            cluster.Etcd.Stop(2);
            output.WriteLine($"etcd quorum lost; all members stopped after {clock.Elapsed.TotalSeconds:0.00} s");

            var (fencedAfter, reason) = await WaitUntilWritesFailAsync(leader, AgentConfigYaml.Ttl * 3);
            output.WriteLine($"leader {leader.Name} refused writes {fencedAfter.TotalSeconds:0.00} s after quorum loss ({reason})");
            Assert.True(fencedAfter < TimeSpan.FromSeconds(AgentConfigYaml.Ttl) + Slack,
                $"leader {leader.Name} still accepted writes {fencedAfter.TotalSeconds:0.0} s after etcd quorum loss (ttl {AgentConfigYaml.Ttl} s)");

            // Replicas keep serving reads, also once the old lease has surely expired.
            foreach (var replica in replicas)
            {
                Assert.Equal(1L, (long)(await replica.ScalarAsync("SELECT count(*) FROM outage"))!);
            }
            await Poll.UntilAsync(() => clock.Elapsed > TimeSpan.FromSeconds(AgentConfigYaml.Ttl) + Slack, TimeSpan.FromSeconds(30), "ttl to pass");
            foreach (var replica in replicas)
            {
                Assert.Equal(1L, (long)(await replica.ScalarAsync("SELECT count(*) FROM outage"))!);
                Assert.True(await replica.IsInRecoveryAsync(), $"{replica.Name} left recovery without etcd");
            }
            await AssertStillRefusesWritesAsync(leader);

            // etcd back: one leader, two streaming replicas, every data dir the same as before.
            for (var i = 0; i < cluster.Etcd.Members.Count; i++)
            {
                cluster.Etcd.StartMember(i);
            }
            await cluster.Etcd.WaitHealthyAsync(TimeSpan.FromSeconds(60));
            var back = Stopwatch.StartNew();
            var newLeader = await cluster.WaitForHealthyAsync();
            output.WriteLine($"after etcd returned: {newLeader.Name} leads, both others streaming, in {back.Elapsed.TotalSeconds:0.0} s");
            await Poll.UntilAsync(async () => !await newLeader.IsInRecoveryAsync(), AgentCluster.Patience, $"{newLeader.Name} to accept writes");
            await newLeader.ScalarAsync("INSERT INTO outage VALUES (2)");
            foreach (var node in cluster.Nodes)
            {
                Assert.True(node.HasMarker(), $"{node.Name}'s data dir was replaced: the marker file is gone");
                Assert.Equal(before[node].Sysid, await node.SystemIdentifierFromControlDataAsync());
                Assert.Equal(before[node].Clones, node.CloneCount());
                await Poll.UntilAsync(async () => (long)(await node.ScalarAsync("SELECT count(*) FROM outage"))! == 2,
                    TimeSpan.FromSeconds(30), $"the row written after recovery on {node.Name}");
            }
        });
    }

    /// <summary>Polls a write on the node until it fails (read-only or no connection); returns when and why.</summary>
    private static async Task<(TimeSpan Elapsed, string Reason)> WaitUntilWritesFailAsync(AgentNode node, int seconds)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(seconds))
        {
            var failure = await TryWriteAsync(node);
            if (failure is not null)
            {
                return (clock.Elapsed, failure);
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"{node.Name} still accepted writes {seconds} s after etcd quorum loss");
    }

    private static async Task AssertStillRefusesWritesAsync(AgentNode node) =>
        Assert.NotNull(await TryWriteAsync(node));

    /// <summary>Null if the write committed, else the reason it did not.</summary>
    private static async Task<string?> TryWriteAsync(AgentNode node)
    {
        try
        {
            await node.ScalarAsync("INSERT INTO fence_probe VALUES (0)");
            return null;
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.ReadOnlySqlTransaction)
        {
            return "read-only: " + ex.MessageText;
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or System.Net.Sockets.SocketException)
        {
            return "no connection: " + ex.Message;
        }
    }
}
