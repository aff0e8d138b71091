using NodeAgent.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace NodeAgent.IntegrationTests.Cluster;

/// <summary>
/// The routing push (haproxy_runtime) against a real HAProxy on the seed's check timers (inter 3s fall 3 rise 2): after a
/// switchover HAProxy's runtime state has the new primary up and the old one down while HAProxy's own last checks of them
/// still say otherwise, i.e. before its checks could have moved them.
/// </summary>
[Collection(AgentClusterSequence.Name)]
public sealed class RoutingPushThroughHaproxyTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_switchover_is_pushed_to_haproxy_before_its_checks_see_it_and_a_writer_on_the_primary_port_follows()
    {
        using var socketDir = new TempDirectory("hx-sock");
        var socket = socketDir.Combine("admin.sock");
        // The agents start before HAProxy: the leader's first pushes find no socket, and its later cycles retry.
        await using var cluster = await AgentCluster.StartAsync(_ => $"haproxy_runtime:\n  address: {socket}\n");
        var bind = LoopbackAddresses.Next();
        var primaryPort = LoopbackAddresses.FreePort(bind);
        var config = SeedHaproxyConfig.Render(
            bind,
            primaryPort,
            LoopbackAddresses.FreePort(bind),
            LoopbackAddresses.FreePort(bind),
            cluster.Nodes.Select(n => new HaproxyNode(n.Name, n.Address, AgentNode.PostgresPort, AgentNode.RestApiPort)).ToList());
        Assert.Contains("inter 3s fall 3 rise 2", config, StringComparison.Ordinal);
        await using var haproxy = await HaproxyInstance.StartAsync(config, socket);
        await cluster.ExplainFailuresAsync(async () =>
        {
            var leader = await cluster.WaitForHealthyAsync();
            await leader.ScalarAsync(ProxyWriter.CreateTable);
            var candidate = cluster.Nodes.First(n => n != leader);
            await Poll.UntilAsync(
                async () => await haproxy.ServerStatusAsync("primary", leader.Name) == "UP"
                    && await haproxy.ServerStatusAsync("primary", candidate.Name) == "DOWN"
                    && await haproxy.ServerStatAsync("primary", candidate.Name, "check_code") == "503",
                AgentCluster.Patience,
                $"haproxy to route the primary port to {leader.Name} only, having checked {candidate.Name} as not the primary");

            await using var writer = ProxyWriter.Start(bind, primaryPort);
            await Poll.UntilAsync(() => Task.FromResult(writer.LastServer == leader.Address), AgentCluster.Patience, "a write through haproxy");
            var before = writer.Now;
            var logOffset = new FileInfo(haproxy.LogPath).Length;
            Assert.Equal(
                (200, $"Successfully switched over to \"{candidate.Name}\""),
                await AgentRest.PostAsync(leader, "/switchover", $$"""{"leader":"{{leader.Name}}","candidate":"{{candidate.Name}}"}"""));

            // HAProxy logs every server state change with its cause: "changed from CLI" for the push, "reason: Layer7 ..." for
            // its checks. The first change of each server after the POST must be the push's.
            TimeSpan? candidateUp = null;
            TimeSpan? leaderDown = null;
            await Poll.UntilAsync(
                async () =>
                {
                    candidateUp ??= await haproxy.ServerStatusAsync("primary", candidate.Name) == "UP" ? writer.Now : null;
                    leaderDown ??= await haproxy.ServerStatusAsync("primary", leader.Name) == "DOWN" ? writer.Now : null;
                    return candidateUp is not null && leaderDown is not null;
                },
                AgentCluster.Patience,
                $"haproxy to have {candidate.Name} up and {leader.Name} down in 'primary'");
            var changes = HaproxyLogSince(logOffset);
            Assert.Contains($"Server primary/{candidate.Name} is UP, changed from CLI", FirstChange(changes, $"Server primary/{candidate.Name} is "), StringComparison.Ordinal);
            Assert.Contains($"Server primary/{leader.Name} is DOWN, changed from CLI", FirstChange(changes, $"Server primary/{leader.Name} is "), StringComparison.Ordinal);
            // "DOWN" or "DOWN 1/2": a check answered before the promotion was published may count, but never brings it up.
            Assert.StartsWith("DOWN", await haproxy.ServerStatusAsync("replica", candidate.Name), StringComparison.Ordinal);

            await Poll.UntilAsync(() => Task.FromResult(writer.AckedSince(before, candidate.Address) >= 50), AgentCluster.Patience,
                $"the writer to reach {candidate.Name} through the primary port");
            var window = writer.LongestGapAfter(before);
            output.WriteLine($"switchover with the routing push (seed timers): client window {window.TotalSeconds:0.00} s, "
                + $"failed writes {writer.FailedWrites}, read-only errors {writer.ReadOnlyErrors}");
            output.WriteLine($"  seconds after the POST: {leader.Name} down in 'primary' {Since(leaderDown)}, {candidate.Name} up {Since(candidateUp)}, "
                + $"first write on {candidate.Name} {Since(writer.FirstAckSince(before, candidate.Address))}");
            foreach (var (message, count) in writer.Errors)
            {
                output.WriteLine($"  {count} x {message}");
            }

            Assert.Equal(0, writer.ReadOnlyErrors);
            Assert.Contains("told HAProxy at", candidate.ReadLog(), StringComparison.Ordinal);

            string Since(TimeSpan? t) => t is { } v ? $"{(v - before).TotalSeconds:0.00}" : "-";
        });

        string HaproxyLogSince(long offset)
        {
            using var stream = new FileStream(haproxy.LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            stream.Seek(offset, SeekOrigin.Begin);
            using var reader = new StreamReader(stream);
            var text = reader.ReadToEnd();
            output.WriteLine("haproxy's server state changes after the POST:\n" + text);
            return text;
        }
    }

    private static string FirstChange(string log, string prefix) =>
        log.Split('\n').FirstOrDefault(l => l.Contains(prefix, StringComparison.Ordinal)) ?? $"(no line with '{prefix}')";
}
