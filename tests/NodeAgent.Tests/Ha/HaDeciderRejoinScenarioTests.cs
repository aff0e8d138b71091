using NodeAgent.Cluster;
using NodeAgent.Ha;
using static NodeAgent.Tests.Ha.Given;

namespace NodeAgent.Tests.Ha;

/// <summary>
/// When following a leader means stopping postgres and checking it against the leader's history first (a former
/// primary, or a leader on a newer timeline), and when re-pointing it is enough (rewind.py, ha.py:follow).
/// </summary>
public sealed class HaDeciderRejoinScenarioTests
{
    /// <summary><paramref name="CheckDivergence"/> null: no Follow step at all.</summary>
    private static readonly DateTimeOffset Now = new(2030, 1, 1, 12, 0, 0, TimeSpan.Zero);

    private sealed record Row(Observation Observation, string Reason, bool? CheckDivergence);

    private static readonly Dictionary<string, Row> Rows = new()
    {
        ["replica re-pointed to a new leader on its own timeline is just re-pointed"] = new(
            Observe("u5", ClusterWithLeader("u6", "u5"), PostgresRunningAsReplica("u4")),
            "no action. I am (u5), a secondary, and following a leader (u6)",
            false),
        ["former primary re-pointed to the new leader is stopped and checked"] = new(
            Observe("u5", ClusterWithLeader("u6", "u5"), PostgresRunningAsReplica("u4")) with { WasPrimarySinceRejoinCheck = true },
            "no action. I am (u5), a secondary, and following a leader (u6)",
            true),
        ["replica re-pointed to a leader on a newer timeline is stopped and checked"] = new(
            Observe("u5", LeaderOnTimeline("u6", 2, "u5"), PostgresRunningAsReplica("u4", timeline: 1)),
            "no action. I am (u5), a secondary, and following a leader (u6)",
            true),
        ["replica not streaming from its leader on a newer timeline is stopped and checked"] = new(
            Observe("u5", LeaderOnTimeline("u4", 2, "u5"), PostgresRunningAsReplica("u4", timeline: 1)),
            "no action. I am (u5), a secondary, and following a leader (u4)",
            true),
        ["replica not streaming long after its start behind a leader on a newer timeline is stopped and checked"] = new(
            Observe("u5", LeaderOnTimeline("u4", 2, "u5"), PostgresRunningAsReplica("u4", timeline: 1) with { PostmasterStartTime = Now - HaDecider.FirstStreamingGrace }) with { Now = Now },
            "no action. I am (u5), a secondary, and following a leader (u4)",
            true),
        ["replica that just started behind a leader on a newer timeline gets its first streaming attempts"] = new(
            Observe("u5", LeaderOnTimeline("u4", 2, "u5"), PostgresRunningAsReplica("u4", timeline: 1) with { PostmasterStartTime = Now.AddSeconds(-2) }) with { Now = Now },
            "no action. I am (u5), a secondary, and following a leader (u4)",
            null),
        ["replica streaming from its leader on a newer timeline is left alone"] = new(
            Observe("u5", LeaderOnTimeline("u4", 2, "u5"), PostgresRunningAsReplica("u4", timeline: 1) with { ReceiverState = "streaming" }),
            "no action. I am (u5), a secondary, and following a leader (u4)",
            null),
        ["former primary already following the leader is left alone"] = new(
            Observe("u5", ClusterWithLeader("u4", "u5"), PostgresRunningAsReplica("u4")) with { WasPrimarySinceRejoinCheck = true },
            "no action. I am (u5), a secondary, and following a leader (u4)",
            null),
    };

    public static TheoryData<string> Names() => [.. Rows.Keys];

    [Theory]
    [MemberData(nameof(Names))]
    public void Decides(string scenario)
    {
        var row = Rows[scenario];

        var decision = HaDecider.Decide(row.Observation);

        Assert.Equal(row.Reason, decision.Reason);
        Assert.Equal(row.CheckDivergence, decision.Find<HaStep.Follow>()?.CheckDivergence);
    }

    private static ClusterView LeaderOnTimeline(string leader, int timeline, params string[] others)
    {
        var cluster = ClusterWithLeader(leader, others);
        return cluster with
        {
            Members = [.. cluster.Members.Select(m => m.Name == leader ? m with { Data = m.Data with { Timeline = timeline } } : m)],
        };
    }
}
