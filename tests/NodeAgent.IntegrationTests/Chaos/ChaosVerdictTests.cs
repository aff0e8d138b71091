using NodeAgent.IntegrationTests.Fixtures;

namespace NodeAgent.IntegrationTests.Chaos;

/// <summary>
/// The chaos verdict's detectors on synthetic ack logs: each fires on the fault it is there to catch, so a
/// "0" in a verdict line means nothing happened, not that nothing was looked at.
/// </summary>
public sealed class ChaosVerdictTests : IDisposable
{
    private readonly TempDirectory _dir = new("chaos-verdict");

    [Fact]
    public void An_old_leader_writing_locally_while_the_new_one_writes_is_a_split_brain()
    {
        var log = Parse(
            "H t 1 1000 1003 u4",
            "L t u4 1 1000 1002",
            "D t u5 105 10500 10502", // the new leader's first acknowledged write
            "L t u4 40 10510 10515", // the old leader, still writable: only its own namespace can see it
            "L t u4 41 10530 10540");
        var acks = log.All();

        Assert.Equal([105L], ChaosVerdict.SplitBrain(log));
        var first = WriteOverlap.FirstByOther(acks, "u4", sinceMs: 5000);
        Assert.Equal("u5", first?.Node);
        Assert.Equal([10515L, 10540L], WriteOverlap.AckedAfter(acks, "u4", first!.AckMs).Select(a => a.AckMs));
    }

    [Fact]
    public void A_clean_handoff_has_no_overlap()
    {
        var log = Parse("L t u4 1 1000 1002", "H t 7 4000 4003 u4", "D t u5 105 10500 10502", "H t 300 10600 10604 u5");

        Assert.Empty(ChaosVerdict.SplitBrain(log));
        Assert.Empty(WriteOverlap.AckedAfter(log.All(), "u4", WriteOverlap.FirstByOther(log.All(), "u4", 2000)!.AckMs));
    }

    [Fact]
    public void A_hard_crash_excuses_only_the_old_leaders_last_second()
    {
        var log = Parse(
            "H t 1 1000 1003 u4", // settled long before the crash at 5000
            "H t 2 4200 4203 u4", // within the second before the crash
            "H t 3 4990 4996 u4",
            "H t 4 9000 9003 u5"); // the new leader's
        string[] missing = ["1", "2", "3", "4"];

        Assert.Equal(["1", "4"], ChaosVerdict.Unexcused(log, missing, "u4", crashMs: 5000, TimeSpan.FromSeconds(1)));
        Assert.Equal(missing, ChaosVerdict.Unexcused(log, missing, "u4", crashMs: 5000, TimeSpan.Zero));
    }

    [Fact]
    public void A_cut_after_the_faults_start_excuses_only_the_second_before_the_cut()
    {
        // The fault starts at 5000 (etcd's quorum lost); the leader's link goes down at 10000.
        var log = Parse(
            "H t 1 5500 5503 u4", // during the etcd outage, streamed long before the cut
            "H t 2 8900 8903 u4", // more than a second before the cut
            "H t 3 9400 9403 u4", // within the second before the cut
            "H t 4 9990 9996 u4");
        string[] missing = ["1", "2", "3", "4"];

        Assert.Equal(["1", "2"], ChaosVerdict.Unexcused(log, missing, "u4", crashMs: 10000, TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public void Only_complete_lines_of_the_tag_count()
    {
        var log = Parse("H t 1 1000 1003 u4", "H other 2 1000 1003 u4", "E H haproxy 1 2 boom", "L t u4 1 1000 1002");
        File.AppendAllText(_dir.Combine("acks.log"), "H t 3 1100 1103 u"); // cut mid-write, no newline yet

        Assert.Single(log.Haproxy);
        Assert.Equal(1, log.Failures);
        Assert.Single(WriteLog.Parse(_dir.Combine("acks.log"), "t").Haproxy);
    }

    [Fact]
    public void A_stat_line_is_read_past_a_command_name_with_spaces_and_parentheses() =>
        Assert.Equal(new ProcessStat(42, 7, 'T'), ProcFs.Parse(42, "42 (postgres: u4 (x) ) T 7 42 42 0 -1"));

    public void Dispose() => _dir.Dispose();

    private WriteLog Parse(params string[] lines)
    {
        var path = _dir.Combine("acks.log");
        File.WriteAllText(path, string.Join("\n", lines) + "\n");
        return WriteLog.Parse(path, "t");
    }
}
