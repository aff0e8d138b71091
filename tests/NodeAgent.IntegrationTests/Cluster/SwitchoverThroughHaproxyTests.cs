using System.Globalization;
using System.Text.RegularExpressions;
using Npgsql;
using NodeAgent.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace NodeAgent.IntegrationTests.Cluster;

/// <summary>
/// Acceptance for the client hold-off: with the seed's HAProxy timers unchanged (inter 3s fall 3 rise 2), a client writing
/// through the primary port during a switchover never gets a read-only error. Without the hold-off the demoted node is a
/// replica within a second while HAProxy keeps it in the primary backend for up to 9 s: 148-224 read-only errors. The
/// clients HAProxy still sends it meanwhile are relayed to the new primary once it runs.
/// </summary>
[Collection(AgentClusterSequence.Name)]
public sealed partial class SwitchoverThroughHaproxyTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_switchover_under_the_seed_haproxy_timers_gives_a_writer_on_the_primary_port_no_read_only_error()
    {
        await using var cluster = await AgentCluster.StartAsync();
        var bind = LoopbackAddresses.Next();
        var primaryPort = LoopbackAddresses.FreePort(bind);
        var replicaPort = LoopbackAddresses.FreePort(bind);
        var config = SeedHaproxyConfig.Render(
            bind,
            primaryPort,
            replicaPort,
            LoopbackAddresses.FreePort(bind),
            cluster.Nodes.Select(n => new HaproxyNode(n.Name, n.Address, AgentNode.PostgresPort, AgentNode.RestApiPort)).ToList());
        await using var haproxy = await HaproxyInstance.StartAsync(config);
        await cluster.ExplainFailuresAsync(async () =>
        {
            var leader = await cluster.WaitForHealthyAsync();
            await leader.ScalarAsync(ProxyWriter.CreateTable);
            var candidate = cluster.Nodes.First(n => n != leader);
            await Poll.UntilAsync(
                async () => await haproxy.ServerStatusAsync("primary", leader.Name) == "UP"
                    && await haproxy.ServerStatusAsync("primary", candidate.Name) == "DOWN",
                AgentCluster.Patience,
                $"haproxy to route the primary port to {leader.Name} only");

            await using var writer = ProxyWriter.Start(bind, primaryPort);
            await Poll.UntilAsync(() => Task.FromResult(writer.LastServer == leader.Address), AgentCluster.Patience, "a write through haproxy");
            var before = writer.Now;
            Assert.Equal(
                (200, $"Successfully switched over to \"{candidate.Name}\""),
                await AgentRest.PostAsync(leader, "/switchover", $$"""{"leader":"{{leader.Name}}","candidate":"{{candidate.Name}}"}"""));

            var returned = writer.Now;
            TimeSpan? candidateUp = null;
            TimeSpan? leaderDown = null;

            // HAProxy takes the old primary out of the primary backend, the writer settles on the new one, and the old
            // primary opens to clients again (the replica backend marks it up once it answers on TCP).
            await Poll.UntilAsync(
                async () =>
                {
                    candidateUp ??= await haproxy.ServerStatusAsync("primary", candidate.Name) == "UP" ? writer.Now : null;
                    leaderDown ??= await haproxy.ServerStatusAsync("primary", leader.Name) == "DOWN" ? writer.Now : null;
                    return leaderDown is not null && writer.AckedSince(before, candidate.Address) >= 50;
                },
                AgentCluster.Patience,
                $"haproxy to mark {leader.Name} down in 'primary' and the writer to reach {candidate.Name}");
            // Postgres answers TCP itself only after the hold-off (before that the relay did).
            await Poll.UntilAsync(
                async () => leader.ReadLog().Contains("client hold-off over", StringComparison.Ordinal) && await AcceptsTcpClientsAsync(leader)
                    && await haproxy.ServerStatusAsync("replica", leader.Name) == "UP",
                AgentCluster.Patience,
                $"{leader.Name} to end its hold-off, accept TCP clients again and haproxy to mark it up in 'replica'");

            var window = writer.LongestGapAfter(before);
            output.WriteLine($"switchover through haproxy (seed timers): client window {window.TotalSeconds:0.00} s, "
                + $"failed writes {writer.FailedWrites}, read-only errors {writer.ReadOnlyErrors}");
            output.WriteLine($"  seconds after the POST: returned {Since(returned)}, {candidate.Name} up in 'primary' {Since(candidateUp)}, "
                + $"first write on {candidate.Name} {Since(writer.FirstAckSince(before, candidate.Address))}, {leader.Name} down in 'primary' {Since(leaderDown)}");
            foreach (var (message, count) in writer.Errors)
            {
                output.WriteLine($"  {count} x {message}");
            }
            Assert.Equal(0, writer.ReadOnlyErrors);

            // The clients HAProxy sent to the held-off old primary were relayed to the new one (none are refused there).
            var relayed = RelayedConnections(leader.ReadLog(), candidate.Name);
            output.WriteLine($"  {leader.Name} relayed {relayed} connections to {candidate.Name}");
            Assert.True(relayed >= 1, $"{leader.Name} relayed no client to {candidate.Name}:\n{leader.LogTail()}");

            string Since(TimeSpan? t) => t is { } v ? $"{(v - before).TotalSeconds:0.00}" : "-";
        });
    }

    private static int RelayedConnections(string log, string to) =>
        RelayClosed().Matches(log).Where(m => m.Groups[2].Value == to).Sum(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));

    [GeneratedRegex(@"stopped relaying held-off clients: (\d+) connections relayed to ([^\s,]+)")]
    private static partial Regex RelayClosed();

    private static async Task<bool> AcceptsTcpClientsAsync(AgentNode node)
    {
        try
        {
            await using var connection = await node.OpenConnectionAsync();
            return true;
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            return false;
        }
    }
}
