using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using NodeAgent.IntegrationTests.Ctl;
using NodeAgent.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace NodeAgent.IntegrationTests.Interop;

/// <summary>
/// Acceptance: agentctl operates a real Patroni 3.0.2 cluster (etcd3): list, show-config, switchover
/// --force, history, pause/resume, watch mode; and prints what patronictl 3.0.2 prints for the same
/// cluster at the same moment (only the pretty title differs: we print the 3.1.1+ title with the
/// system identifier, 3.0.2 prints the scope alone).
/// </summary>
public sealed class AgentCtlOnPatroniClusterTests(PatroniClusterFixture fixture, ITestOutputHelper output)
    : IClassFixture<PatroniClusterFixture>
{
    /// <summary>Two CLIs read at two moments: member keys may move in between, so poll until they agree.</summary>
    private static readonly TimeSpan Agreement = TimeSpan.FromSeconds(20);
    private const string Clear = "\u001b[2J\u001b[1;1H";

    private PatroniCluster Patroni => fixture.Cluster;

    private string CtlConfig => Patroni.CtlConfigPath;

    [Fact]
    public async Task List_in_every_format_matches_patronictl_on_the_patroni_cluster()
    {
        await Patroni.ExplainFailuresAsync(async () =>
        {
            var leader = await Patroni.WaitForHealthyAsync();
            var timeline = (int)(await leader.StatusAsync())["timeline"]!;

            var (json, _) = await AgreeAsync(CtlConfig, Same, null, "list", "-f", "json");
            var rows = JsonNode.Parse(json)!.AsArray();
            Assert.Equal(Patroni.Nodes.Select(n => n.Name), rows.Select(r => (string?)r!["Member"]));
            foreach (var row in rows.Select(r => r!.AsObject()))
            {
                var node = Patroni.Node((string)row["Member"]!);
                Assert.Equal(Patroni.Scope, (string?)row["Cluster"]);
                Assert.Equal(node.HostColumn, (string?)row["Host"]);
                Assert.Equal(timeline, (int)row["TL"]!);
                // Patroni 3.0.2 publishes no replication_state: a streaming replica's member key says "running".
                Assert.Equal("running", (string?)row["State"]);
                Assert.Equal(ExpectedTags(node.Name), row["Tags"]?.ToJsonString());
                if (node == leader)
                {
                    Assert.Equal("Leader", (string?)row["Role"]);
                    Assert.False(row.ContainsKey("Lag in MB"), row.ToJsonString());
                }
                else
                {
                    Assert.Equal("Replica", (string?)row["Role"]);
                    Assert.Equal(0, (int)row["Lag in MB"]!);
                }
            }

            await AgreeAsync(CtlConfig, Same, null, "list", "-f", "tsv");
            await AgreeAsync(CtlConfig, Same, null, "list", "-f", "yaml");
            await AgreeAsync(CtlConfig, Same, null, "dsn");
            await AgreeAsync(CtlConfig, BodyRows, null, "list", "-e");
            await AgreeAsync(CtlConfig, BodyRows, null, "topology");
            // A Patroni node's own configuration file works as agentctl's -c too.
            await AgreeAsync(leader.ConfigPath, Same, null, "list", "-f", "json");

            var (pretty, theirs) = await AgreeAsync(CtlConfig, BodyRows, null, "list");
            var sysid = await Patroni.InitializeKeyAsync();
            Assert.Matches(@"^\d+$", sysid);
            Assert.StartsWith($"+ Cluster: {Patroni.Scope} ({sysid}) -", pretty, StringComparison.Ordinal);
            Assert.StartsWith($"+ Cluster: {Patroni.Scope} -", theirs, StringComparison.Ordinal);
            Assert.DoesNotContain("Maintenance mode", pretty, StringComparison.Ordinal);
            // p3's two tags make a two-line cell, so rules separate every row.
            Assert.Contains(" | dc: west |\n", pretty, StringComparison.Ordinal);
            Assert.Contains(" | rack: 7  |\n", pretty, StringComparison.Ordinal);
            Assert.Equal(Patroni.Nodes.Count + 1, pretty.Split('\n').Count(l => l.StartsWith("+--------+", StringComparison.Ordinal)));
        });
    }

    [Fact]
    public async Task Edit_config_turns_on_synchronous_mode_and_list_shows_the_sync_standby_like_patronictl()
    {
        await Patroni.ExplainFailuresAsync(async () =>
        {
            await Patroni.WaitForHealthyAsync();
            try
            {
                var edited = await CtlRun.AgentCtlAsync("", "-c", CtlConfig, "edit-config", "-s", "synchronous_mode=true", "--force");
                output.WriteLine($"$ agentctl edit-config -s synchronous_mode=true --force: exit {edited.ExitCode}\n{edited.Out}{edited.Err}");
                Assert.Equal(0, edited.ExitCode);
                Assert.Contains("\n+synchronous_mode: true\n", edited.Out, StringComparison.Ordinal);
                Assert.EndsWith("Configuration changed\n", edited.Out, StringComparison.Ordinal);

                // The leader picks a sync standby and writes the sync key on one of its next cycles.
                var (json, _) = await AgreeAsync(
                    CtlConfig, Same, text => JsonNode.Parse(text)!.AsArray().Any(r => (string?)r!["Role"] == "Sync Standby"), "list", "-f", "json");
                var roles = JsonNode.Parse(json)!.AsArray().Select(r => (string?)r!["Role"]).Order(StringComparer.Ordinal).ToList();
                Assert.Equal(["Leader", "Replica", "Sync Standby"], roles);
                await AgreeAsync(CtlConfig, BodyRows, text => text.Contains("| Sync Standby |", StringComparison.Ordinal), "list");
                await AgreeAsync(CtlConfig, Same, text => text.Contains("synchronous_mode: true\n", StringComparison.Ordinal), "show-config");
            }
            finally
            {
                var removed = await CtlRun.AgentCtlAsync("", "-c", CtlConfig, "edit-config", "-s", "synchronous_mode=null", "--force");
                output.WriteLine($"$ agentctl edit-config -s synchronous_mode=null --force: exit {removed.ExitCode}\n{removed.Out}{removed.Err}");
            }
            await AgreeAsync(
                CtlConfig, Same, text => JsonNode.Parse(text)!.AsArray().All(r => (string?)r!["Role"] != "Sync Standby"), "list", "-f", "json");
            var (shown, _) = await AgreeAsync(CtlConfig, Same, null, "show-config");
            Assert.DoesNotContain("synchronous_mode", shown, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task Show_config_and_version_print_what_patronictl_prints()
    {
        await Patroni.ExplainFailuresAsync(async () =>
        {
            await Patroni.WaitForHealthyAsync();
            // Only the first line ("agentctl version X" / "patronictl version 3.0.2") differs.
            var (version, _) = await AgreeAsync(CtlConfig, BodyRows, null, "version", Patroni.Scope);
            Assert.StartsWith("agentctl version ", version, StringComparison.Ordinal);
            foreach (var node in Patroni.Nodes)
            {
                Assert.Matches($"\n{node.Name}: Patroni 3\\.0\\.2 PostgreSQL 15\\.\\d+\n", version);
            }

            var (shown, _) = await AgreeAsync(CtlConfig, Same, null, "show-config");
            Assert.Contains($"loop_wait: {PatroniConfigYaml.LoopWait}\n", shown, StringComparison.Ordinal);
            Assert.Contains($"retry_timeout: {PatroniConfigYaml.RetryTimeout}\n", shown, StringComparison.Ordinal);
            Assert.Contains($"ttl: {PatroniConfigYaml.Ttl}\n", shown, StringComparison.Ordinal);
            Assert.Contains("    wal_keep_size: 64MB\n", shown, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task Switchover_force_moves_the_patroni_leader_to_a_new_timeline_and_history_matches_patronictl()
    {
        await Patroni.ExplainFailuresAsync(async () =>
        {
            var leader = await Patroni.WaitForHealthyAsync();
            var before = (int)(await leader.StatusAsync())["timeline"]!;
            var candidate = Patroni.Nodes.First(n => n != leader);

            var clock = Stopwatch.StartNew();
            var result = await CtlRun.AgentCtlAsync("", "-c", CtlConfig, "switchover", "--force", "--candidate", candidate.Name);
            output.WriteLine($"$ agentctl switchover --force --candidate {candidate.Name} ({clock.Elapsed.TotalSeconds:0.00} s): exit {result.ExitCode}\n{result.Out}{result.Err}");
            Assert.Equal(0, result.ExitCode);
            Assert.Contains($"Successfully switched over to \"{candidate.Name}\"\n", result.Out, StringComparison.Ordinal);
            Assert.DoesNotContain("falling back to DCS", result.Out, StringComparison.Ordinal);
            Assert.StartsWith("Current cluster topology\n", result.Out, StringComparison.Ordinal);

            var successor = await Patroni.WaitForHealthyAsync(where: n => n == candidate);
            var after = (int)(await successor.StatusAsync())["timeline"]!;
            Assert.Equal(before + 1, after);

            // The new leader writes the history key on its next cycle: poll until both show the switch.
            var (history, _) = await AgreeAsync(
                CtlConfig, Same, text => LastHistoryRow(text) is { } last && (int)last[0]! == before, "history", "-f", "json");
            var row = LastHistoryRow(history)!;
            Assert.Equal(candidate.Name, (string?)row[4]);
            Assert.True((long)row[1]! > 0, history);
            var (pretty, _) = await AgreeAsync(CtlConfig, Same, null, "history");
            Assert.Matches(HistoryPrettyRow(before, candidate.Name), pretty);

            var (list, _) = await AgreeAsync(
                CtlConfig, Same, text => JsonNode.Parse(text)!.AsArray().All(r => (int?)r!["TL"] == after), "list", "-f", "json");
            var leaders = JsonNode.Parse(list)!.AsArray().Where(r => (string?)r!["Role"] == "Leader").ToList();
            Assert.Equal(candidate.Name, (string?)Assert.Single(leaders)!["Member"]);
        });
    }

    [Fact]
    public async Task Pause_and_resume_with_wait_reach_every_patroni_member()
    {
        await Patroni.ExplainFailuresAsync(async () =>
        {
            await Patroni.WaitForHealthyAsync();
            try
            {
                var paused = await CtlRun.AgentCtlAsync("", "-c", CtlConfig, "pause", "--wait");
                output.WriteLine($"$ agentctl pause --wait: exit {paused.ExitCode}\n{paused.Out}{paused.Err}");
                Assert.Equal(0, paused.ExitCode);
                await AssertWaitedAsync(paused.Out, paused: true);
                foreach (var node in Patroni.Nodes)
                {
                    Assert.True((bool?)(await node.StatusAsync())["pause"] == true, $"{node.Name} /patroni does not say pause");
                }

                var (list, theirs) = await AgreeAsync(CtlConfig, BodyRows, null, "list");
                Assert.EndsWith("+\n Maintenance mode: on\n", list, StringComparison.Ordinal);
                Assert.EndsWith("+\n Maintenance mode: on\n", theirs, StringComparison.Ordinal);
                var (shown, _) = await AgreeAsync(CtlConfig, Same, null, "show-config");
                Assert.Contains("pause: true\n", shown, StringComparison.Ordinal);

                var again = await CtlRun.AgentCtlAsync("", "-c", CtlConfig, "pause");
                Assert.Equal(1, again.ExitCode);
                Assert.Equal("Error: Cluster is already paused\n", again.Err);

                var resumed = await CtlRun.AgentCtlAsync("", "-c", CtlConfig, "resume", "--wait");
                output.WriteLine($"$ agentctl resume --wait: exit {resumed.ExitCode}\n{resumed.Out}{resumed.Err}");
                Assert.Equal(0, resumed.ExitCode);
                await AssertWaitedAsync(resumed.Out, paused: false);

                (list, theirs) = await AgreeAsync(CtlConfig, BodyRows, null, "list");
                Assert.DoesNotContain("Maintenance mode", list, StringComparison.Ordinal);
                (shown, _) = await AgreeAsync(CtlConfig, Same, null, "show-config");
                Assert.DoesNotContain("pause", shown, StringComparison.Ordinal);

                var notPaused = await CtlRun.AgentCtlAsync("", "-c", CtlConfig, "resume");
                Assert.Equal(1, notPaused.ExitCode);
                Assert.Equal("Error: Cluster is not paused\n", notPaused.Err);
            }
            finally
            {
                // Leave the cluster managed for the other tests whatever happened above.
                if ((await CtlRun.AgentCtlAsync("", "-c", CtlConfig, "show-config")).Out.Contains("pause: true", StringComparison.Ordinal))
                {
                    await CtlRun.PatronictlAsync("-c", CtlConfig, "resume", "--wait");
                }
            }
        });
    }

    [Fact]
    public async Task List_watch_reprints_the_table_until_interrupted()
    {
        await Patroni.ExplainFailuresAsync(async () =>
        {
            await Patroni.WaitForHealthyAsync();
            // -w 0.5 for 2.5 s and -W (every 2 s) for 3 s: at least two complete tables each.
            await AssertWatchedAsync(TimeSpan.FromSeconds(2.5), "list", "-w", "0.5");
            await AssertWatchedAsync(TimeSpan.FromSeconds(3), "list", "-W");
            await AssertWatchedAsync(TimeSpan.FromSeconds(2.5), "topology", "-w", "0.5");
        });
    }

    private async Task AssertWatchedAsync(TimeSpan runFor, params string[] args)
    {
        var clock = Stopwatch.StartNew();
        var watched = await CtlRun.AgentCtlForAsync(runFor, ["-c", CtlConfig, .. args]);
        var took = clock.Elapsed;
        output.WriteLine($"$ agentctl {string.Join(' ', args)} for {runFor.TotalSeconds:0.#} s: exit {watched.ExitCode} after {took.TotalSeconds:0.00} s, stderr: {watched.Err}\n{watched.Out.Replace(Clear, "<clear>\n", StringComparison.Ordinal)}");
        // Stopped by us, not by an error of its own before the time was up (timers may fire a little early).
        Assert.True(took >= runFor - TimeSpan.FromMilliseconds(200), $"agentctl {string.Join(' ', args)} ended after {took.TotalSeconds:0.00} s: {watched.Err}");
        Assert.StartsWith(Clear, watched.Out, StringComparison.Ordinal);
        var screens = watched.Out.Split(Clear, StringSplitOptions.RemoveEmptyEntries);
        var complete = screens.Count(s => s.StartsWith($"+ Cluster: {Patroni.Scope} (", StringComparison.Ordinal)
            && Patroni.Nodes.All(n => s.Contains($"| {n.Name} ", StringComparison.Ordinal) || s.Contains($"| + {n.Name} ", StringComparison.Ordinal))
            && s.EndsWith("+\n", StringComparison.Ordinal));
        Assert.True(complete >= 2, $"expected at least two complete tables, got {complete} of {screens.Length} screens");
    }

    /// <summary>
    /// <c>pause/resume --wait</c> prints "Success" only once every member key shows the new state; when
    /// Patroni is slower than loop_wait + 1 s it names the members that did not follow (like patronictl).
    /// </summary>
    private async Task AssertWaitedAsync(string printed, bool paused)
    {
        var verb = paused ? "pause" : "resume";
        var lines = printed.TrimEnd('\n').Split('\n');
        Assert.Equal(2, lines.Length);
        Assert.Equal($"'{verb}' request sent, waiting until it is recognized by all nodes", lines[0]);
        if (lines[1] == $"Success: cluster management is {(paused ? "paused" : "resumed")}")
        {
            var keys = await Patroni.MemberKeysAsync();
            Assert.All(Patroni.Nodes, n => Assert.True(
                ((bool?)keys[n.Name]["pause"] ?? false) == paused, $"{n.Name}: {keys[n.Name].ToJsonString()}"));
            return;
        }
        output.WriteLine($"(Patroni was slower than loop_wait + 1 s: {lines[1]})");
        Assert.Matches($"^p\\d(, p\\d)* members didn't recognized pause state after {PatroniConfigYaml.LoopWait} seconds$", lines[1]);
        await Poll.UntilAsync(
            async () => (await Patroni.MemberKeysAsync()).Values.All(k => ((bool?)k["pause"] ?? false) == paused),
            TimeSpan.FromSeconds(20),
            $"every Patroni member key to show pause={paused}");
    }

    /// <summary>Runs <paramref name="args"/> with both CLIs until the normalised outputs agree (and <paramref name="until"/> holds).</summary>
    private async Task<(string Ours, string Theirs)> AgreeAsync(
        string config, Func<string, string> normalize, Func<string, bool>? until, params string[] args)
    {
        var ours = new CtlRun.Result(-1, "", "");
        var theirs = ours;
        var what = string.Join(' ', args);
        try
        {
            await Poll.UntilAsync(
                async () =>
                {
                    ours = await CtlRun.AgentCtlAsync("", ["-c", config, .. args]);
                    theirs = await CtlRun.PatronictlAsync(["-c", config, .. args]);
                    return ours.ExitCode == 0 && theirs.ExitCode == 0
                        && normalize(ours.Out) == normalize(theirs.Out)
                        && (until is null || until(ours.Out));
                },
                Agreement,
                $"agentctl and patronictl '{what}' to agree");
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException(
                $"{ex.Message}\n--- agentctl (exit {ours.ExitCode}):\n{ours.Out}{ours.Err}\n--- patronictl (exit {theirs.ExitCode}):\n{theirs.Out}{theirs.Err}", ex);
        }
        output.WriteLine($"$ agentctl {what}\n{ours.Out}$ patronictl {what}\n{theirs.Out}");
        return (ours.Out, theirs.Out);
    }

    private static string Same(string text) => text;

    /// <summary>The Tags cell of a member in <c>list -f json</c> (see <see cref="PatroniCluster"/>'s tags), null when absent.</summary>
    private static string? ExpectedTags(string member) => member switch
    {
        "p2" => """{"dc":"east"}""",
        "p3" => """{"dc":"west","rack":7}""",
        _ => null,
    };

    /// <summary>The pretty table without its top border: 3.0.2's title has no system identifier.</summary>
    private static string BodyRows(string text) => string.Join('\n', text.Split('\n').Skip(1));

    private static JsonArray? LastHistoryRow(string json) =>
        JsonNode.Parse(json) is JsonArray { Count: > 0 } rows && rows[^1] is JsonObject last
            ? [last["TL"]?.DeepClone(), last["LSN"]?.DeepClone(), last["Reason"]?.DeepClone(), last["Timestamp"]?.DeepClone(), last["New Leader"]?.DeepClone()]
            : null;

    private static Regex HistoryPrettyRow(int timeline, string newLeader) =>
        new($@"\n\|\s+{timeline} \|\s+\d+ \| no recovery target specified \| \d{{4}}-\d\d-\d\dT[0-9:.]+\+00:00 \| {Regex.Escape(newLeader)}\s+\|\n");
}
