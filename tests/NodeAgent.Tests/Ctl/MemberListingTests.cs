using NodeAgent.Cluster;
using NodeAgent.Ctl.Output;

namespace NodeAgent.Tests.Ctl;

/// <summary>The <c>list</c> rendering against outputs of the real patronictl 3.0.2 (title with sysid, as 3.1.1+).</summary>
public sealed class MemberListingTests
{
    public static TheoryData<string, string, bool> Cases()
    {
        var data = new TheoryData<string, string, bool>();
        foreach (var scenario in CtlScenarios.Names())
        {
            foreach (var format in new[] { "pretty", "topology", "tsv", "json", "yaml" })
            {
                data.Add(scenario, format, false);
                data.Add(scenario, format, true);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void List_output_matches_patronictl(string scenario, string format, bool extended)
    {
        var view = CtlScenarios.View(scenario);
        Assert.True(OutputPrinter.TryParseFormat(format, out var fmt));

        var actual = ListRenderer.Render(view, "PGC1", extended, fmt);

        var expected = CtlScenarios.Expected($"list-{scenario}-{format}{(extended ? "-e" : "")}.txt");
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void A_streaming_replica_shows_its_replication_state()
    {
        var view = CtlScenarios.View("basic");
        var pg2 = view.FindMember("pg2")!;
        view = view with
        {
            Members = [.. view.Members.Select(m => m == pg2 ? m with { Data = m.Data with { ReplicationState = "streaming" } } : m)],
        };

        var actual = ListRenderer.Render(view, "PGC1", extended: false, OutputFormat.Pretty);

        Assert.Contains("| pg2    | 10.0.0.2 | Sync Standby | streaming |  3 |         5 |", actual, StringComparison.Ordinal);
    }

    [Fact]
    public void In_quorum_commit_mode_a_standby_the_key_names_is_a_quorum_standby()
    {
        var view = CtlScenarios.View("basic");
        view = view with { Config = new System.Text.Json.Nodes.JsonObject { ["synchronous_mode"] = "quorum" } };

        var actual = ListRenderer.Render(view, "PGC1", extended: false, OutputFormat.Pretty);

        Assert.Contains("| pg2    | 10.0.0.2 | Quorum Standby |", actual, StringComparison.Ordinal);
        Assert.DoesNotContain("Sync Standby", actual, StringComparison.Ordinal);
    }

    [Fact]
    public void Extended_list_shows_watchdog_and_fencing_of_nodeagent_members()
    {
        var view = CtlScenarios.View("basic");
        var leader = view.FindMember(view.Leader!.Name)!;
        view = view with
        {
            Members = [.. view.Members.Select(m => m == leader
                ? m with { Data = m.Data with
                {
                    Watchdog = new DeadmanData("automatic", Armed: true, TimeoutSeconds: 25, Failed: false, Device: "/dev/watchdog"),
                    Fencing = new DeadmanData("fence", Armed: true, TimeoutSeconds: 6, Failed: false, Device: "postmaster"),
                } }
                : m with { Data = m.Data with
                {
                    Watchdog = new DeadmanData("required", Armed: false, TimeoutSeconds: null, Failed: true, Device: "/dev/watchdog"),
                    Fencing = new DeadmanData("fence", Armed: false, TimeoutSeconds: null, Failed: false, Device: "postmaster"),
                } })],
        };

        var extended = ListRenderer.Render(view, "PGC1", extended: true, OutputFormat.Tsv).Split('\n');
        var plain = ListRenderer.Render(view, "PGC1", extended: false, OutputFormat.Tsv);

        Assert.EndsWith("\tTags\tWatchdog\tFencing", extended[0], StringComparison.Ordinal);
        Assert.Contains(extended, l => l.Contains("\t" + leader.Name + "\t", StringComparison.Ordinal) && l.EndsWith("\tarmed 25s\tarmed 6s", StringComparison.Ordinal));
        Assert.Contains(extended, l => l.StartsWith("PGC1\t", StringComparison.Ordinal) && l.EndsWith("\tfailed\tdisarmed", StringComparison.Ordinal));
        Assert.DoesNotContain("Watchdog", plain, StringComparison.Ordinal);
    }

    [Fact]
    public void Extended_list_of_a_mixed_cluster_names_the_agent_of_each_member_and_a_patroni_cluster_lists_as_patronictl()
    {
        var patroniOnly = CtlScenarios.View("basic");
        var leader = patroniOnly.FindMember(patroniOnly.Leader!.Name)!;
        var mixed = patroniOnly with
        {
            Members = [.. patroniOnly.Members.Select(m => m == leader ? m with { Data = m.Data with { NodeAgentVersion = "1.4.0" } } : m)],
        };

        var extended = ListRenderer.Render(mixed, "PGC1", extended: true, OutputFormat.Tsv).Split('\n');
        var plain = ListRenderer.Render(mixed, "PGC1", extended: false, OutputFormat.Tsv);
        var patroniExtended = ListRenderer.Render(patroniOnly, "PGC1", extended: true, OutputFormat.Tsv).Split('\n');

        Assert.EndsWith("\tTags\tAgent", extended[0], StringComparison.Ordinal);
        Assert.Contains(extended, l => l.Contains("\t" + leader.Name + "\t", StringComparison.Ordinal) && l.EndsWith("\tNodeAgent 1.4.0", StringComparison.Ordinal));
        Assert.Equal(patroniOnly.Members.Count - 1, extended.Count(l => l.EndsWith("\tPatroni 3.0.2", StringComparison.Ordinal)));
        Assert.DoesNotContain("Agent", plain, StringComparison.Ordinal);
        Assert.EndsWith("\tTags", patroniExtended[0], StringComparison.Ordinal);
        Assert.DoesNotContain(patroniExtended, l => l.Contains("Patroni 3.0.2", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(2621440, "2")]   // 2.5 MiB: Python rounds halves to even
    [InlineData(3670016, "4")]   // 3.5 MiB
    [InlineData(1572863, "1")]
    public void Lag_is_rounded_like_python(long lagBytes, string shown)
    {
        var view = CtlScenarios.View("basic");
        view = view with { LastLsn = 61865984UL + (ulong)lagBytes };

        var actual = ListRenderer.Render(view, "PGC1", extended: false, OutputFormat.Tsv);

        Assert.Contains("PGC1\tpg2\t10.0.0.2\tSync Standby\trunning\t3\t" + shown + "\t", actual, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_cluster_prints_the_bare_table_like_patronictl()
    {
        var pretty = ListRenderer.Render(NodeAgent.Cluster.ClusterView.Empty, "E", extended: false, OutputFormat.Pretty);
        var json = ListRenderer.Render(NodeAgent.Cluster.ClusterView.Empty, "E", extended: false, OutputFormat.Json);
        var yaml = ListRenderer.Render(NodeAgent.Cluster.ClusterView.Empty, "E", extended: false, OutputFormat.Yaml);

        Assert.Equal(
            "+ Cluster: E (uninitialized) --+----+-----------+\n"
            + "| Member | Host | Role | State | TL | Lag in MB |\n"
            + "+--------+------+------+-------+----+-----------+\n"
            + "+--------+------+------+-------+----+-----------+\n",
            pretty);
        Assert.Equal("[]\n", json);
        Assert.Equal("[]\n\n", yaml);
    }
}
