using System.Globalization;
using Npgsql;
using NodeAgent.IntegrationTests.Cluster;
using NodeAgent.IntegrationTests.Ctl;
using NodeAgent.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace NodeAgent.IntegrationTests.Interop;

/// <summary>
/// Issue 19, the migration as docs/operations.md writes it: a running Patroni 3.0.2 cluster (three nodes, etcd x3, the
/// seed's HAProxy with its timers) and a client writing through HAProxy's primary port. Node by node NodeAgent replaces
/// Patroni on the same config file and data dir: one replica after <c>systemctl stop patroni</c> (postgres stopped),
/// one after Patroni was killed alone (NodeAgent adopts the running postmaster); while mixed, patronictl switches over
/// to a NodeAgent member and agentctl back to the Patroni one, then to a NodeAgent member, and the last Patroni node is
/// replaced. Every acknowledged write is on the final primary; each step's client window is printed for
/// docs/benchmarks.md.
/// </summary>
[Collection(AgentClusterSequence.Name)]
public sealed class RollingMigrationTests(ITestOutputHelper output)
{
    private static readonly TimeSpan StepPatience = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task A_Patroni_cluster_moves_to_NodeAgent_node_by_node_under_writes_through_haproxy_without_losing_an_acknowledged_write()
    {
        await using var cluster = await PatroniCluster.StartAsync(3);
        var bind = LoopbackAddresses.Next();
        var primaryPort = LoopbackAddresses.FreePort(bind);
        var config = SeedHaproxyConfig.Render(
            bind,
            primaryPort,
            LoopbackAddresses.FreePort(bind),
            LoopbackAddresses.FreePort(bind),
            cluster.Nodes.Select(n => new HaproxyNode(n.Name, n.Address, n.PostgresPort, n.RestPort)).ToList());
        await using var haproxy = await HaproxyInstance.StartAsync(config);
        await cluster.ExplainFailuresAsync(async () =>
        {
            var leader = await cluster.WaitForHealthyAsync();
            await ExecuteAsync(leader, ProxyWriter.CreateTable);
            await WaitForRoutingAsync(cluster, haproxy, leader);
            await using var writer = ProxyWriter.Start(bind, primaryPort);
            await Poll.UntilAsync(() => Task.FromResult(writer.LastServer == leader.Address), StepPatience, "a write through haproxy");
            var (first, second) = (cluster.Nodes.First(n => n != leader), cluster.Nodes.Last(n => n != leader));
            var steps = new List<string>();

            // The guide's step 1-3 on a replica: stop Patroni (it stops postgres), start NodeAgent on its config file.
            await StepAsync($"{first.Name} (replica): systemctl stop patroni, start node-agent", leader, async () =>
            {
                await first.StopAsync(TimeSpan.FromSeconds(30));
                Assert.Empty(first.PostgresPids());
                first.StartNodeAgent();
            });

            // The alternative for a replica: Patroni killed alone leaves postgres running, and NodeAgent adopts it.
            var postmaster = PostmasterPid(second);
            await StepAsync($"{second.Name} (replica): patroni killed alone, node-agent adopts the running postmaster", leader, async () =>
            {
                await second.KillPatroniAloneAsync();
                Assert.Equal(postmaster, PostmasterPid(second));
                second.StartNodeAgent();
            });
            await Poll.UntilAsync(
                () => File.ReadAllText(second.NodeAgentLogPath).Contains($"adopted running postmaster (pid {postmaster})", StringComparison.Ordinal),
                StepPatience,
                $"node-agent on {second.Name} to adopt postmaster {postmaster}");

            // The guide's step 5: agentctl tells the two kinds of member apart.
            var version = await CtlRun.AgentCtlAsync("", "-c", cluster.CtlConfigPath, "version", cluster.Scope);
            var listed = await CtlRun.AgentCtlAsync("", "-c", cluster.CtlConfigPath, "list", "-e", "-f", "tsv");
            output.WriteLine($"$ agentctl version SCOPE\n{version.Out}{version.Err}$ agentctl list -e -f tsv\n{listed.Out}{listed.Err}");
            Assert.Contains($"{leader.Name}: Patroni 3.0.2 PostgreSQL 15.", version.Out, StringComparison.Ordinal);
            Assert.Contains($"{first.Name}: NodeAgent ", version.Out, StringComparison.Ordinal);
            Assert.Contains($"{second.Name}: NodeAgent ", version.Out, StringComparison.Ordinal);
            var rows = listed.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            var agentColumn = Array.IndexOf(rows[0].Split('\t'), "Agent");
            Assert.True(agentColumn > 0, $"no Agent column in agentctl list -e:\n{listed.Out}");
            foreach (var node in cluster.Nodes)
            {
                var cells = rows.Single(r => r.Split('\t')[1] == node.Name).Split('\t');
                Assert.StartsWith(node == leader ? "Patroni 3.0.2" : "NodeAgent ", cells[agentColumn], StringComparison.Ordinal);
            }

            await StepAsync($"switchover {leader.Name} (Patroni) -> {first.Name} (NodeAgent) with patronictl", first, async () =>
            {
                var result = await CtlRun.PatronictlAsync("-c", cluster.CtlConfigPath, "switchover", "--leader", leader.Name, "--candidate", first.Name, "--force");
                Assert.True(result.ExitCode == 0, $"patronictl switchover: exit {result.ExitCode}\n{result.Out}{result.Err}");
            });

            await StepAsync($"switchover {first.Name} (NodeAgent) -> {leader.Name} (Patroni) with agentctl", leader, async () =>
            {
                var result = await CtlRun.AgentCtlAsync("", "-c", cluster.CtlConfigPath, "switchover", "--leader", first.Name, "--candidate", leader.Name, "--force");
                Assert.True(result.ExitCode == 0, $"agentctl switchover: exit {result.ExitCode}\n{result.Out}{result.Err}");
            });

            // The guide's step 4: the leader's node last, after a switchover to a NodeAgent member.
            await StepAsync($"switchover {leader.Name} (Patroni) -> {second.Name} (NodeAgent) with agentctl", second, async () =>
            {
                var result = await CtlRun.AgentCtlAsync("", "-c", cluster.CtlConfigPath, "switchover", "--leader", leader.Name, "--candidate", second.Name, "--force");
                Assert.True(result.ExitCode == 0, $"agentctl switchover: exit {result.ExitCode}\n{result.Out}{result.Err}");
            });
            await StepAsync($"{leader.Name} (replica): systemctl stop patroni, start node-agent", second, async () =>
            {
                await leader.StopAsync(TimeSpan.FromSeconds(30));
                Assert.Empty(leader.PostgresPids());
                leader.StartNodeAgent();
            });

            Assert.All(cluster.Nodes, n => Assert.True(n.RunsNodeAgent && !n.IsRunning, $"{n.Name}: node-agent {n.RunsNodeAgent}, patroni {n.IsRunning}"));
            await writer.DisposeAsync();
            var acked = writer.AckedRows();
            var missing = await MissingAsync(second, acked);
            output.WriteLine($"{acked.Count} writes acknowledged through haproxy, {writer.FailedWrites} failed ({writer.ReadOnlyErrors} read-only); "
                + $"load average {File.ReadAllText("/proc/loadavg").Trim()}");
            foreach (var step in steps)
            {
                output.WriteLine(step);
            }
            foreach (var (message, count) in writer.Errors)
            {
                output.WriteLine($"  {count} x {message}");
            }
            Assert.True(missing.Count == 0, $"{missing.Count} of {acked.Count} acknowledged writes missing on {second.Name}: {string.Join(", ", missing.Take(20))}");

            // One step: act, then wait until every member streams from the expected leader, HAProxy routes the primary port
            // to it alone and the writer has had 50 writes acknowledged there. The client window is the longest time
            // without an acknowledged write from the step's start to then.
            async Task StepAsync(string name, PatroniNode expectedLeader, Func<Task> act)
            {
                var (failed, readOnly) = (writer.FailedWrites, writer.ReadOnlyErrors);
                var start = writer.Now;
                await act();
                // A member key Patroni left behind lives on for ttl: healthy counts only once each node's key comes from
                // the agent that runs there now (NodeAgent adds nodeagent_version).
                await WaitForMemberKeysFromAsync(cluster);
                await cluster.WaitForHealthyAsync(StepPatience, n => n == expectedLeader);
                await WaitForRoutingAsync(cluster, haproxy, expectedLeader);
                var acks = writer.AckedSince(start, expectedLeader.Address);
                await Poll.UntilAsync(
                    () => Task.FromResult(writer.AckedSince(start, expectedLeader.Address) >= acks + 50),
                    StepPatience,
                    $"50 writes acknowledged by {expectedLeader.Name} after '{name}'");
                var end = writer.Now;
                steps.Add(string.Create(CultureInfo.InvariantCulture,
                    $"| {name} | {writer.LongestGapBetween(start, end).TotalSeconds:0.00} s | {writer.FailedWrites - failed} ({writer.ReadOnlyErrors - readOnly} read-only) | {(end - start).TotalSeconds:0} s |"));
                output.WriteLine(steps[^1]);
            }
        });
    }

    private static string ConnectionString(PatroniNode node) => new NpgsqlConnectionStringBuilder
    {
        Host = node.Address, Port = node.PostgresPort, Username = "postgres", Password = PatroniNode.Password,
        Database = "postgres", Timeout = 5, CommandTimeout = 10, Pooling = false, GssEncryptionMode = GssEncryptionMode.Disable,
    }.ConnectionString;

    private static async Task ExecuteAsync(PatroniNode node, string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString(node));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<IReadOnlyList<long>> MissingAsync(PatroniNode node, IReadOnlyList<long> acked)
    {
        await using var connection = new NpgsqlConnection(ConnectionString(node));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT n FROM proxied", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var present = new HashSet<long>();
        while (await reader.ReadAsync())
        {
            present.Add(reader.GetInt64(0));
        }
        return [.. acked.Where(n => !present.Contains(n))];
    }

    private static Task WaitForRoutingAsync(PatroniCluster cluster, HaproxyInstance haproxy, PatroniNode leader) =>
        Poll.UntilAsync(
            async () =>
            {
                foreach (var node in cluster.Nodes)
                {
                    if (await haproxy.ServerStatusAsync("primary", node.Name) != (node == leader ? "UP" : "DOWN"))
                    {
                        return false;
                    }
                }
                return true;
            },
            StepPatience,
            $"haproxy to route the primary port to {leader.Name} alone");

    private static Task WaitForMemberKeysFromAsync(PatroniCluster cluster) =>
        Poll.UntilAsync(
            async () =>
            {
                var keys = await cluster.MemberKeysAsync();
                return cluster.Nodes.All(n => keys.TryGetValue(n.Name, out var key)
                    && key.ContainsKey("nodeagent_version") == n.RunsNodeAgent
                    && (n.RunsNodeAgent || n.IsRunning));
            },
            StepPatience,
            "each member key to come from the agent running on its node (nodeagent_version for NodeAgent)");

    private static int? PostmasterPid(PatroniNode node)
    {
        var first = File.ReadLines(Path.Combine(node.DataDir, "postmaster.pid")).FirstOrDefault();
        return int.TryParse(first, NumberStyles.Integer, CultureInfo.InvariantCulture, out var pid) ? pid : null;
    }
}
