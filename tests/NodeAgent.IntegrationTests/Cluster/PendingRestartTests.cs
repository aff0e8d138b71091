using System.Diagnostics;
using System.Text.Json.Nodes;
using NodeAgent.IntegrationTests.Ctl;
using NodeAgent.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace NodeAgent.IntegrationTests.Cluster;

/// <summary>
/// Scenario: a switchover and a failover leave no member with a pending restart (Patroni 3.0.2 shows none on
/// the same drill); an operator's change of a restart-requiring parameter still shows one on every member, and
/// <c>agentctl restart SCOPE MEMBER --pending</c> clears it on that member.
/// </summary>
[Collection(AgentClusterSequence.Name)]
public sealed class PendingRestartTests(ITestOutputHelper output)
{
    // Several loop_waits: every agent has observed its postgres and rewritten its member key since the change.
    private static readonly TimeSpan Watch = TimeSpan.FromSeconds(4 * AgentConfigYaml.LoopWait);

    [Fact]
    public async Task Switchover_and_failover_leave_no_pending_restart_and_a_restart_requiring_change_shows_one()
    {
        await using var cluster = await AgentCluster.StartAsync();
        await cluster.ExplainFailuresAsync(async () =>
        {
            var leader = await cluster.WaitForHealthyAsync();
            await AssertNoneReportedAsync(cluster, "after bootstrap");

            // Switchover: the candidate is promoted, the old leader is demoted into a replica.
            var candidate = cluster.Nodes.First(n => n != leader);
            var answer = await AgentRest.PostAsync(leader, "/switchover", $$"""{"leader":"{{leader.Name}}","candidate":"{{candidate.Name}}"}""");
            Assert.Equal((200, $"Successfully switched over to \"{candidate.Name}\""), answer);
            await cluster.WaitForHealthyAsync(where: n => n == candidate);
            await AssertNoneReportedAsync(cluster, $"after the switchover {leader.Name} -> {candidate.Name}");

            // Failover: the new leader's host dies; a replica is promoted, the dead node rejoins as a replica.
            var clock = Stopwatch.StartNew();
            await candidate.KillAgentAndPostmasterTogetherAsync();
            var successor = await cluster.WaitForLeaderAsync(where: n => n != candidate);
            await Poll.UntilAsync(async () => !await successor.IsInRecoveryAsync(), AgentCluster.Patience, $"{successor.Name} to be promoted");
            output.WriteLine($"{candidate.Name} killed; {successor.Name} promoted {clock.Elapsed.TotalSeconds:0.0} s later");
            candidate.Start();
            await cluster.WaitForHealthyAsync(where: n => n == successor);
            await AssertNoneReportedAsync(cluster, $"after the failover {candidate.Name} -> {successor.Name}");

            // The operator's change of a restart-requiring parameter is reported (the check above can fail).
            // Not max_connections: the seed's local parameters pin it to 300, and local wins over /config. shared_buffers
            // lives in postgresql.conf, so this also shows the recovery-GUC filter leaves the operator's flag alone.
            var patched = await AgentRest.PatchAsync(successor, "/config", """{"postgresql":{"parameters":{"shared_buffers":"64MB"}}}""");
            Assert.Equal(200, patched.Status);
            var reports = new List<(string Member, string Where)>();
            await Poll.UntilAsync(
                async () =>
                {
                    reports = await ReportsAsync(cluster);
                    return cluster.Nodes.All(n => reports.Contains((n.Name, "member key")) && reports.Contains((n.Name, "GET /patroni")));
                },
                TimeSpan.FromSeconds(30),
                "every member key and GET /patroni to report a pending restart after shared_buffers changed");
            output.WriteLine(string.Join("; ", reports.Select(r => $"{r.Member} {r.Where}")));
            var listed = await CtlRun.AgentCtlAsync("", "-c", cluster.Nodes[0].ConfigPath, "list");
            output.WriteLine(listed.Out);
            Assert.Contains("Pending restart", listed.Out, StringComparison.Ordinal);

            // docs/operations.md's "restart for a pending setting": --pending restarts the member named, only because one is pending.
            var replica = cluster.Nodes.First(n => n != successor);
            var restarted = await CtlRun.AgentCtlAsync("", "-c", cluster.Nodes[0].ConfigPath, "restart", cluster.Scope, replica.Name, "--pending", "--force");
            Assert.True(restarted.ExitCode == 0, $"agentctl restart --pending exited {restarted.ExitCode}: {restarted.Out}{restarted.Err}");
            await Poll.UntilAsync(
                async () => (await ReportsAsync(cluster)).All(r => r.Member != replica.Name),
                TimeSpan.FromSeconds(60),
                $"{replica.Name} to restart with the new shared_buffers and report no pending restart");
            Assert.Equal("64MB", (string?)await replica.ScalarAsync("SHOW shared_buffers"));
            Assert.Contains((successor.Name, "member key"), await ReportsAsync(cluster));
        });
    }

    /// <summary>Watches for several loop_waits: no member key, /patroni or pg_settings may say a restart is pending.</summary>
    private async Task AssertNoneReportedAsync(AgentCluster cluster, string when)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < Watch)
        {
            var reports = await ReportsAsync(cluster);
            Assert.True(reports.Count == 0, $"{when}: " + string.Join("; ", reports.Select(r => $"{r.Member} {r.Where}")));
            await Task.Delay(250);
        }

        var listed = await CtlRun.AgentCtlAsync("", "-c", cluster.Nodes[0].ConfigPath, "list");
        output.WriteLine($"{when}:\n{listed.Out}");
        Assert.Equal(0, listed.ExitCode);
        Assert.DoesNotContain("Pending restart", listed.Out, StringComparison.Ordinal);
    }

    /// <summary>Every place a pending restart shows: the member key, GET /patroni, and postgres' own pg_settings.</summary>
    private static async Task<List<(string Member, string Where)>> ReportsAsync(AgentCluster cluster)
    {
        var reports = new List<(string, string)>();
        foreach (var node in cluster.Nodes)
        {
            var key = await EtcdKeys.GetAsync(cluster.Etcd, cluster.KeyPrefix + "members/" + node.Name);
            if (key is not null && JsonNode.Parse(key)?["pending_restart"] is not null)
            {
                reports.Add((node.Name, "member key"));
            }

            var status = await AgentRest.GetAsync(node, "/patroni");
            if (status.Status == 200 && JsonNode.Parse(status.Body)?["pending_restart"] is not null)
            {
                reports.Add((node.Name, "GET /patroni"));
            }

            var settings = await node.ScalarAsync("SELECT string_agg(name, ',' ORDER BY name) FROM pg_settings WHERE pending_restart");
            if (settings is string names)
            {
                reports.Add((node.Name, "pg_settings: " + names));
            }
        }

        return reports;
    }
}
