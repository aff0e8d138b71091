using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using NodeAgent.IntegrationTests.Ctl;
using NodeAgent.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace NodeAgent.IntegrationTests.Cluster;

/// <summary>Scenario: agentctl (in-process) and Patroni's patronictl 3.0.2 operate the real agent cluster.</summary>
[Collection(AgentClusterSequence.Name)]
public sealed partial class AgentCtlClusterTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Agentctl_lists_switches_over_and_refuses_bad_input_on_the_real_cluster()
    {
        await using var cluster = await AgentCluster.StartAsync();
        await cluster.ExplainFailuresAsync(async () =>
        {
            var leader = await cluster.WaitForHealthyAsync();
            if (leader.Name == "u5")
            {
                Assert.Equal(0, (await CtlRun.AgentCtlAsync("", "-c", ConfigOf(cluster), "switchover", "--force", "--candidate", "u4")).ExitCode);
                leader = await cluster.WaitForHealthyAsync(where: n => n.Name == "u4");
            }
            var sysid = await leader.SystemIdentifierFromControlDataAsync();
            var rows = await SettledListAsync(cluster, leader.Name);
            var timeline = rows[leader.Name].Timeline;

            // Bad input: one readable line, non-zero exit, nothing changed.
            await AssertRefusedAsync(cluster, leader, "unknown candidate", "switchover", "--force", "--candidate", "u9");
            await AssertRefusedAsync(cluster, leader, "unknown cluster", "switchover", "nosuchcluster", "--force", "--candidate", "u5");
            var configBefore = await EtcdKeys.GetAsync(cluster.Etcd, cluster.KeyPrefix + "config");
            await AssertRefusedAsync(cluster, leader, "malformed -s", "edit-config", "-s", "ttl", "--force");
            Assert.Equal(configBefore, await EtcdKeys.GetAsync(cluster.Etcd, cluster.KeyPrefix + "config"));

            // switchover --force --candidate u5
            var clock = Stopwatch.StartNew();
            var forced = await CtlRun.AgentCtlAsync("", "-c", ConfigOf(cluster), "switchover", "--force", "--candidate", "u5");
            output.WriteLine($"agentctl switchover --force ({clock.Elapsed.TotalSeconds:0.00} s): exit {forced.ExitCode}\n{forced.Out}{forced.Err}");
            Assert.Equal(0, forced.ExitCode);
            Assert.Contains("Successfully switched over to \"u5\"", forced.Out, StringComparison.Ordinal);
            await cluster.WaitForHealthyAsync(where: n => n.Name == "u5");
            rows = await SettledListAsync(cluster, "u5");
            Assert.Equal(timeline + 1, rows["u5"].Timeline);

            // switchover with the prompts answered on stdin: back to the first leader.
            var prompted = await CtlRun.AgentCtlAsync($"\n{leader.Name}\nnow\ny\n", "-c", ConfigOf(cluster), "switchover");
            output.WriteLine($"agentctl switchover (prompted): exit {prompted.ExitCode}\n{prompted.Out}{prompted.Err}");
            Assert.Equal(0, prompted.ExitCode);
            Assert.Contains("Primary [u5]: ", prompted.Out, StringComparison.Ordinal);
            Assert.Contains($"Are you sure you want to switchover cluster {cluster.Scope}, demoting current leader u5? [y/N]: ", prompted.Out, StringComparison.Ordinal);
            Assert.Contains($"Successfully switched over to \"{leader.Name}\"", prompted.Out, StringComparison.Ordinal);
            await cluster.WaitForHealthyAsync(where: n => n == leader);
            rows = await SettledListAsync(cluster, leader.Name);
            Assert.Equal(timeline + 2, rows[leader.Name].Timeline);
            output.WriteLine((await CtlRun.AgentCtlAsync("", "-c", ConfigOf(cluster), "list")).Out);
            Assert.Contains($"+ Cluster: {cluster.Scope} ({sysid}) ", (await CtlRun.AgentCtlAsync("", "-c", ConfigOf(cluster), "list")).Out, StringComparison.Ordinal);

            // list -e: NodeAgent's own columns; the leader's fence is armed, the replicas' are not.
            await Poll.UntilAsync(async () =>
            {
                var extended = await CtlRun.AgentCtlAsync("", "-c", ConfigOf(cluster), "list", "-e", "-f", "json");
                var members = JsonNode.Parse(extended.Out)!.AsArray();
                return members.All(m => m!["Watchdog"] is not null)
                    && members.Single(m => (string?)m!["Member"] == leader.Name)!["Fencing"]!.GetValue<string>().StartsWith("armed ", StringComparison.Ordinal)
                    && members.Where(m => (string?)m!["Member"] != leader.Name).All(m => (string?)m!["Fencing"] == "disarmed");
            }, TimeSpan.FromSeconds(20), "agentctl list -e to show the leader's fence armed and the replicas' disarmed");
            output.WriteLine((await CtlRun.AgentCtlAsync("", "-c", ConfigOf(cluster), "list", "-e")).Out);

            // etcd and every agent gone: agentctl answers within retry_timeout + slack with one line.
            foreach (var node in cluster.Nodes)
            {
                await node.KillAsync(postmasterToo: true);
            }
            for (var i = 0; i < cluster.Etcd.Members.Count; i++)
            {
                cluster.Etcd.Kill(i);
            }
            clock.Restart();
            var down = await CtlRun.AgentCtlAsync("", "-c", ConfigOf(cluster), "list");
            var took = clock.Elapsed;
            output.WriteLine($"agentctl list with etcd down: exit {down.ExitCode} after {took.TotalSeconds:0.00} s: {down.Err}");
            Assert.NotEqual(0, down.ExitCode);
            Assert.Single(down.Err.TrimEnd('\n').Split('\n'));
            Assert.StartsWith("Error: ", down.Err, StringComparison.Ordinal);
            Assert.True(took < TimeSpan.FromSeconds(AgentConfigYaml.RetryTimeout + 3), $"agentctl list took {took.TotalSeconds:0.0} s with etcd down");
        });
    }

    [Fact]
    public async Task Patronictl_switches_over_shows_history_and_edits_config_on_the_agent_cluster()
    {
        var patronictl = RequiredBinary.Require("/usr/bin/patronictl", "patroni");
        await using var cluster = await AgentCluster.StartAsync();
        await cluster.ExplainFailuresAsync(async () =>
        {
            var leader = await cluster.WaitForHealthyAsync();
            await SettledListAsync(cluster, leader.Name);

            var switched = await CtlRun.PatronictlAsync("-c", leader.ConfigPath, "switchover", "--force");
            output.WriteLine($"patronictl switchover --force: exit {switched.ExitCode}\n{switched.Out}{switched.Err}");
            Assert.Equal(0, switched.ExitCode);
            var match = SwitchedTo().Match(switched.Out);
            Assert.True(match.Success, switched.Out);
            var successor = cluster.Node(match.Groups[1].Value);
            Assert.NotEqual(leader, successor);
            await cluster.WaitForHealthyAsync(where: n => n == successor);

            string history = "";
            await Poll.UntilAsync(
                async () =>
                {
                    history = (await CtlRun.PatronictlAsync("-c", leader.ConfigPath, "history")).Out;
                    return HistoryRow().IsMatch(history);
                },
                TimeSpan.FromSeconds(20),
                "patronictl history to show the switch from timeline 1");
            output.WriteLine(history);
            Assert.Contains(successor.Name, history, StringComparison.Ordinal);

            var edited = await CtlRun.PatronictlAsync("-c", leader.ConfigPath, "edit-config", "-s", "ttl=20", "--force");
            output.WriteLine($"patronictl edit-config: exit {edited.ExitCode}\n{edited.Out}{edited.Err}");
            Assert.Equal(0, edited.ExitCode);
            var config = JsonNode.Parse((await EtcdKeys.GetAsync(cluster.Etcd, cluster.KeyPrefix + "config"))!)!;
            Assert.Equal(20, (int)config["ttl"]!);
            // The agents take the new ttl: the leader key's lease is granted with it.
            var shown = await CtlRun.AgentCtlAsync("", "-c", leader.ConfigPath, "show-config");
            Assert.Contains("ttl: 20\n", shown.Out, StringComparison.Ordinal);
        });
    }

    private static string ConfigOf(AgentCluster cluster) => cluster.Node("u4").ConfigPath;

    private async Task AssertRefusedAsync(AgentCluster cluster, AgentNode leader, string what, params string[] args)
    {
        var clock = Stopwatch.StartNew();
        var result = await CtlRun.AgentCtlAsync("", ["-c", ConfigOf(cluster), .. args]);
        output.WriteLine($"{what}: exit {result.ExitCode} after {clock.Elapsed.TotalSeconds:0.00} s: {result.Err.TrimEnd()} | out: {result.Out.TrimEnd()}");
        Assert.NotEqual(0, result.ExitCode);
        var lines = result.Err.TrimEnd('\n').Split('\n');
        Assert.True(lines.Length == 1, $"{what}: expected one error line, got:\n{result.Err}");
        Assert.StartsWith("Error: ", lines[0], StringComparison.Ordinal);
        Assert.Equal(leader.Name, await cluster.LeaderNameAsync());
        Assert.False(await leader.IsInRecoveryAsync());
    }

    private sealed record ListRow(string Role, string State, int Timeline, string Lag);

    /// <summary>Polls agentctl list until it shows the seed shape around <paramref name="leader"/>, then returns its rows.</summary>
    private async Task<Dictionary<string, ListRow>> SettledListAsync(AgentCluster cluster, string leader)
    {
        var rows = new Dictionary<string, ListRow>();
        var text = "";
        await Poll.UntilAsync(
            async () =>
            {
                var result = await CtlRun.AgentCtlAsync("", "-c", ConfigOf(cluster), "list");
                text = result.Out + result.Err;
                rows = ParseRows(result.Out);
                return result.ExitCode == 0 && result.Out.StartsWith($"+ Cluster: {cluster.Scope} (", StringComparison.Ordinal)
                    && rows.Count == 3
                    && rows.All(r => r.Key == leader
                        ? r.Value is { Role: "Leader", State: "running", Lag: "" }
                        : r.Value is { Role: "Replica", State: "streaming", Lag: "0" })
                    && rows.Values.Select(r => r.Timeline).Distinct().Count() == 1;
            },
            TimeSpan.FromSeconds(30),
            $"agentctl list to show {leader} running as Leader and two streaming Replicas on one timeline");
        output.WriteLine(text);
        return rows;
    }

    private static Dictionary<string, ListRow> ParseRows(string table)
    {
        var rows = new Dictionary<string, ListRow>();
        foreach (var line in table.Split('\n').Where(l => l.StartsWith("| u", StringComparison.Ordinal)))
        {
            var cells = line.Split('|').Select(c => c.Trim()).ToArray();
            // | Member | Host | Role | State | TL | Lag in MB |
            rows[cells[1]] = new ListRow(cells[3], cells[4], int.TryParse(cells[5], out var tl) ? tl : -1, cells[6]);
        }
        return rows;
    }

    [GeneratedRegex("Successfully switched over to \"(u[456])\"")]
    private static partial Regex SwitchedTo();

    [GeneratedRegex(@"\|\s+1 \|\s+\d+ \| ")]
    private static partial Regex HistoryRow();
}
