using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Npgsql;
using NodeAgent.IntegrationTests.Cluster;
using NodeAgent.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace NodeAgent.IntegrationTests.Interop;

/// <summary>
/// Issue 16, mixed clusters: two Patroni 3.0.2 members and one NodeAgent member in one scope with synchronous mode on.
/// A NodeAgent member honours the sync key a Patroni leader wrote (it alone may take over when that leader dies, with
/// every acknowledged commit), and a Patroni member honours the key NodeAgent wrote (only the standby it names takes over).
/// </summary>
[Collection(AgentClusterSequence.Name)]
public sealed class MixedClusterSyncTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Patroni_and_NodeAgent_members_honour_each_others_sync_key()
    {
        await using var patroni = await PatroniCluster.StartAsync(nodes: 2);
        using var root = new TempDirectory("mixed");
        AgentNode? agent = null;
        try
        {
            await patroni.ExplainFailuresAsync(async () =>
            {
                var leader = await patroni.WaitForHealthyAsync();
                var other = patroni.Nodes.Single(n => n != leader);
                File.SetUnixFileMode(root.Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                    | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
                agent = new AgentNode(patroni.Scope, "u6", LoopbackAddresses.Next(), root.Combine("u6"), patroni.Etcd);
                await PostgresUser.ChownToPostgresAsync(root.Path);
                agent.Start();
                await WaitForStreamingAsync(leader, agent.Name);

                // Only the NodeAgent member runs as a replica while the Patroni leader picks its synchronous standby.
                await other.StopAsync(TimeSpan.FromSeconds(30));
                var (patched, body) = await AgentRest.PatchAsync(agent, "/config", """{"synchronous_mode": true}""");
                Assert.True(patched == 200, $"PATCH /config answered {patched}: {body}");
                await WaitForSyncAsync(patroni, leader.Name, agent.Name);
                other.Start();
                await WaitForStreamingAsync(leader, other.Name);
                await WaitForSyncAsync(patroni, leader.Name, agent.Name);
                output.WriteLine($"Patroni leader {leader.Name} names NodeAgent {agent.Name} synchronous; Patroni {other.Name} is asynchronous");

                // The Patroni leader dies hard: the NodeAgent standby it named takes over, the asynchronous Patroni member does not.
                var acked = await WriteThenAsync(leader.Address, leader.PostgresPort, () => leader.DisposeAsync().AsTask());
                var successor = await WaitForLeaderAsync(patroni, n => n != leader.Name);
                Assert.Equal(agent.Name, successor);
                await AssertAllPresentAsync(agent.ConnectionString, acked, agent.Name);

                // NodeAgent now writes the key; the old Patroni leader rejoins. Whichever Patroni member NodeAgent names
                // takes over when NodeAgent dies hard, and the other does not.
                leader.Start();
                await WaitForStreamingAsync(agent, leader.Name, other.Name);
                var named = await WaitForSyncAsync(patroni, agent.Name, null);
                var namedNode = patroni.Node(named);
                output.WriteLine($"NodeAgent leader {agent.Name} names Patroni {named} synchronous");
                acked = await WriteThenAsync(agent.Address, AgentNode.PostgresPort, agent.KillAgentAndPostmasterTogetherAsync);
                Assert.Null(agent.PostmasterPid());
                var last = await WaitForLeaderAsync(patroni, n => n != agent.Name);
                Assert.Equal(named, last);
                await AssertAllPresentAsync(ConnectionString(namedNode.Address, namedNode.PostgresPort), acked, named);
            });
        }
        finally
        {
            if (agent is not null)
            {
                await agent.DisposeAsync();
            }
        }
    }

    private static string ConnectionString(string host, int port) => new NpgsqlConnectionStringBuilder
    {
        Host = host, Port = port, Username = "postgres", Password = PatroniNode.Password, Database = "postgres", Timeout = 2, Pooling = false, GssEncryptionMode = GssEncryptionMode.Disable,
    }.ConnectionString;

    /// <summary>Writes one row at a time to the leader until 40 are acknowledged, then runs the fault while writing on; the acknowledged rows.</summary>
    private async Task<IReadOnlyList<long>> WriteThenAsync(string host, int port, Func<Task> fault)
    {
        var connectionString = ConnectionString(host, port);
        await using (var setup = new NpgsqlConnection(connectionString))
        {
            await setup.OpenAsync();
            await using var create = new NpgsqlCommand("CREATE TABLE IF NOT EXISTS mixed_acked (n bigint PRIMARY KEY)", setup);
            await create.ExecuteNonQueryAsync();
        }

        var acked = new ConcurrentBag<long>();
        using var stop = new CancellationTokenSource();
        var writer = Task.Run(async () =>
        {
            var next = DateTime.UtcNow.Ticks;
            while (!stop.IsCancellationRequested)
            {
                var n = ++next;
                try
                {
                    await using var c = new NpgsqlConnection(connectionString);
                    await c.OpenAsync(stop.Token);
                    await using var insert = new NpgsqlCommand($"INSERT INTO mixed_acked VALUES ({n})", c);
                    await insert.ExecuteNonQueryAsync(stop.Token);
                    acked.Add(n);
                }
                catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException or System.Net.Sockets.SocketException)
                {
                    // The leader is gone: nothing more is acknowledged through this address.
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        });
        await Poll.UntilAsync(() => Task.FromResult(acked.Count >= 40), TimeSpan.FromSeconds(30), "40 acknowledged rows");
        await fault();
        await stop.CancelAsync();
        await writer;
        output.WriteLine($"{acked.Count} rows acknowledged by {host}:{port}");
        return [.. acked];
    }

    private static async Task AssertAllPresentAsync(string connectionString, IReadOnlyList<long> acked, string node)
    {
        await using var c = new NpgsqlConnection(connectionString);
        await c.OpenAsync();
        await using var select = new NpgsqlCommand("SELECT n FROM mixed_acked", c);
        await using var reader = await select.ExecuteReaderAsync();
        var present = new HashSet<long>();
        while (await reader.ReadAsync())
        {
            present.Add(reader.GetInt64(0));
        }

        var missing = acked.Where(n => !present.Contains(n)).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} of {acked.Count} acknowledged rows missing on {node}");
    }

    private static async Task<string> WaitForLeaderAsync(PatroniCluster cluster, Func<string, bool> where)
    {
        string? leader = null;
        await Poll.UntilAsync(async () => (leader = await cluster.LeaderNameAsync()) is { } name && where(name), TimeSpan.FromSeconds(60), "a new leader");
        return leader!;
    }

    /// <summary>Until the sync key names <paramref name="leader"/> and <paramref name="standby"/> (any one standby when null); that standby.</summary>
    private static async Task<string> WaitForSyncAsync(PatroniCluster cluster, string leader, string? standby)
    {
        string? named = null;
        await Poll.UntilAsync(
            async () =>
            {
                var sync = JsonNode.Parse(await EtcdKeys.GetAsync(cluster.Etcd, cluster.KeyPrefix + "sync") ?? "{}");
                named = (string?)sync?["sync_standby"];
                return (string?)sync?["leader"] == leader && named is not null && (standby is null || named == standby);
            },
            TimeSpan.FromSeconds(60),
            $"the sync key to name {leader} and {standby ?? "a standby"}");
        return named!;
    }

    private static Task WaitForStreamingAsync(PatroniNode leader, params string[] replicas) =>
        Poll.UntilAsync(
            async () =>
            {
                var streaming = ((await leader.StatusAsync())["replication"] as JsonArray ?? [])
                    .Where(r => (string?)r!["state"] == "streaming").Select(r => (string?)r!["application_name"]).ToHashSet();
                return replicas.All(streaming.Contains);
            },
            TimeSpan.FromSeconds(90),
            $"{string.Join(", ", replicas)} to stream from {leader.Name}");

    private static Task WaitForStreamingAsync(AgentNode leader, params string[] replicas) =>
        Poll.UntilAsync(
            async () =>
            {
                var states = await leader.ReplicationStatesAsync();
                return replicas.All(r => states.GetValueOrDefault(r) == "streaming");
            },
            TimeSpan.FromSeconds(120),
            $"{string.Join(", ", replicas)} to stream from {leader.Name}");
}
