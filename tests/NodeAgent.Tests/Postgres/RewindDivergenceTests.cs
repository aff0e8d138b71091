using NodeAgent.Cluster;
using NodeAgent.Postgres;
using NodeAgent.Postgres.Rewind;

namespace NodeAgent.Tests.Postgres;

/// <summary>The divergence rule of a former primary against the leader's timeline history, as a table.</summary>
public sealed class RewindDivergenceTests
{
    // Leader on timeline 3: it left 1 at 0/3000100 and 2 at 0/5000000.
    private static readonly TimelineHistoryEntry[] History =
    [
        new(1, Lsn.Parse("0/3000100").Value, "no recovery target specified", null, null),
        new(2, Lsn.Parse("0/5000000").Value, "no recovery target specified", null, null),
    ];

    private static readonly LeaderTimeline Leader = new(3, Lsn.Parse("0/6000000"), History);

    [Theory]
    // Clean shutdown: the shutdown checkpoint must end exactly where the leader switched.
    [InlineData(1, "0/3000100", "clean", false)]
    [InlineData(1, "0/3000180", "clean", true)]
    [InlineData(1, "0/3000000", "clean", true)]
    // Crash: WAL up to the switchpoint is a prefix of the leader's; anything past it is ours alone.
    [InlineData(1, "0/3000100", "crashed", false)]
    [InlineData(1, "0/3000000", "crashed", false)]
    [InlineData(1, "0/3000108", "crashed", true)]
    // Older timeline in the middle of the history.
    [InlineData(2, "0/5000000", "clean", false)]
    [InlineData(2, "0/5000001", "crashed", true)]
    // A newer timeline than the leader's, or one it never had.
    [InlineData(4, "0/1000000", "clean", true)]
    public void Former_primary_against_history(int timeline, string end, string how, bool needed)
    {
        var shutdown = how == "clean" ? PrimaryShutdown.Clean : PrimaryShutdown.Crashed;
        var verdict = Divergence.Check(new LocalWal(timeline, Lsn.Parse(end), shutdown, timeline), Leader);
        Assert.Equal(needed, verdict.RewindNeeded);
        Assert.False(string.IsNullOrWhiteSpace(verdict.Why));
    }

    [Fact]
    public void Timeline_missing_from_history_needs_rewind()
    {
        // Leader on 5 with history 1 -> 3 -> 5: we are on 2, a branch the leader never took.
        TimelineHistoryEntry[] history =
        [
            new(1, 0x3000000, "", null, null),
            new(3, 0x4000000, "", null, null),
        ];
        var verdict = Divergence.Check(new LocalWal(2, new Lsn(0x3500000), PrimaryShutdown.Clean, 2), new LeaderTimeline(5, new Lsn(0x9000000), history));
        Assert.True(verdict.RewindNeeded);
        Assert.Contains("not in the history", verdict.Why, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_end_of_wal_needs_rewind()
    {
        Assert.True(Divergence.Check(new LocalWal(1, null, PrimaryShutdown.Crashed, 1), Leader).RewindNeeded);
    }

    [Fact]
    public void History_file_newer_than_pg_control_needs_rewind()
    {
        // Promoted to 2 and crashed before the first checkpoint there: pg_control still says 1.
        var verdict = Divergence.Check(new LocalWal(1, Lsn.Parse("0/3000100"), PrimaryShutdown.Crashed, 2), Leader);
        Assert.True(verdict.RewindNeeded);
    }

    [Theory]
    [InlineData("0/6000000", false)]
    [InlineData("0/5800000", false)]
    [InlineData("0/6000008", true)]
    public void Same_timeline_as_leader_needs_rewind_only_when_ahead(string end, bool needed)
    {
        Assert.Equal(needed, Divergence.Check(new LocalWal(3, Lsn.Parse(end), PrimaryShutdown.Crashed, 3), Leader).RewindNeeded);
    }

    [Fact]
    public void Leader_on_timeline_1_and_us_on_1_with_empty_history()
    {
        var leader = new LeaderTimeline(1, Lsn.Parse("0/4000000"), []);
        Assert.False(Divergence.Check(new LocalWal(1, Lsn.Parse("0/3000000"), PrimaryShutdown.Clean, 1), leader).RewindNeeded);
        Assert.True(Divergence.Check(new LocalWal(2, Lsn.Parse("0/3000000"), PrimaryShutdown.Clean, 2), leader).RewindNeeded);
    }

    [Theory]
    [InlineData("shut down", "Clean")]
    [InlineData("in production", "Crashed")]
    [InlineData("shutting down", "Crashed")]
    [InlineData("in crash recovery", "Crashed")]
    [InlineData("shut down in recovery", null)]
    [InlineData("in archive recovery", null)]
    [InlineData(null, null)]
    public void Cluster_state_tells_a_former_primary(string? state, string? expected) =>
        Assert.Equal(expected, Divergence.FormerPrimary(state)?.ToString());

    [Fact]
    public void History_file_text_parses_into_switchpoints()
    {
        const string text = "1\t0/3000100\tno recovery target specified\n\n2\t0/5000000\tbefore 2000-01-01 00:00:00+00\n# comment\n";
        var rows = TimelineHistoryFile.Parse(text);
        Assert.Equal([1, 2], rows.Select(r => r.Timeline));
        Assert.Equal(0x3000100UL, rows[0].SwitchLsn);
        Assert.Equal("before 2000-01-01 00:00:00+00", rows[1].Reason);
        Assert.False(Divergence.Check(new LocalWal(2, Lsn.Parse("0/5000000"), PrimaryShutdown.Clean, 2), new LeaderTimeline(3, Lsn.Parse("0/6000000"), rows)).RewindNeeded);
    }
}
