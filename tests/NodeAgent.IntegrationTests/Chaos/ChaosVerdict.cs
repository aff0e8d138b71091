using System.Globalization;
using NodeAgent.IntegrationTests.Fixtures;

namespace NodeAgent.IntegrationTests.Chaos;

/// <summary>Acknowledged writes of one channel that the final leader does not have.</summary>
public sealed record ChannelLoss(string Channel, int Acknowledged, IReadOnlyList<string> Missing)
{
    public string Text => string.Create(CultureInfo.InvariantCulture, $"{Missing.Count} of {Acknowledged}");
}

/// <summary>
/// What one scenario measured. Evidence: how the fault was seen to take effect. Outage: the longest gap between
/// consecutive writes acknowledged through HAProxy that ends after the fault began. Split brain: 100 ms rounds
/// in which two or more nodes acknowledged a write (any channel). Late: writes the old leader acknowledged after
/// another node's first acknowledged write since the fault. Lost: acknowledged writes, per channel, that the
/// final leader does not have. Heal: from the end of the fault to one leader running as primary with both
/// other nodes streaming from it.
/// </summary>
public sealed record ChaosVerdict(
    string Scenario,
    string Evidence,
    TimeSpan Outage,
    IReadOnlyList<long> SplitBrainRounds,
    IReadOnlyList<NodeAck> LateAcks,
    NodeAck? FirstByOther,
    ChannelLoss Haproxy,
    ChannelLoss Direct,
    ChannelLoss Local,
    TimeSpan? Heal,
    string OldLeader,
    string FinalLeader)
{
    public TimeSpan SplitBrainOverlap => TimeSpan.FromMilliseconds(SplitBrainRounds.Count * WriteLog.RoundMs);

    public static TimeSpan LongestGap(WriteLog log, long faultStartMs, long endMs)
    {
        var acks = log.Haproxy.Select(a => a.AckMs).Order().ToList();
        long longest = 0;
        for (var i = 1; i < acks.Count; i++)
        {
            if (acks[i] >= faultStartMs)
            {
                longest = Math.Max(longest, acks[i] - acks[i - 1]);
            }
        }
        if (acks.Count > 0 && acks[^1] < endMs)
        {
            longest = Math.Max(longest, endMs - Math.Max(acks[^1], faultStartMs));
        }
        return TimeSpan.FromMilliseconds(longest);
    }

    /// <summary>
    /// Of the writes acknowledged through HAProxy and missing on the final leader, those the crash window does not
    /// excuse: acknowledged by another node than the old leader, or by the old leader before the window opened.
    /// <paramref name="crashMs"/>: when the old leader crashed or was cut off (the fault's start, or its marked cut).
    /// </summary>
    public static IReadOnlyList<string> Unexcused(WriteLog log, IReadOnlyList<string> missing, string oldLeader, long crashMs, TimeSpan crashWindow)
    {
        var opens = crashMs - (long)crashWindow.TotalMilliseconds;
        var excused = log.Haproxy.Where(a => a.Node == oldLeader && a.AckMs >= opens).Select(a => $"{a.Seq}").ToHashSet();
        return missing.Where(seq => crashWindow <= TimeSpan.Zero || !excused.Contains(seq)).ToList();
    }

    /// <summary>Rounds in which more than one node acknowledged a write, over every channel.</summary>
    public static IReadOnlyList<long> SplitBrain(WriteLog log) => WriteOverlap.Rounds(log.All(), WriteLog.RoundMs);

    public string HealText => Heal is { } heal ? string.Create(CultureInfo.InvariantCulture, $"{heal.TotalSeconds:0.0} s") : $"not healed in {ChaosCluster.HealLimit.TotalSeconds:0} s";

    /// <summary>"0", or how many writes the old leader acknowledged after another node's first, by channel, and for how long.</summary>
    public string LateText => FirstByOther is null
        ? "no other node wrote"
        : LateAcks.Count == 0
            ? "0"
            : string.Create(CultureInfo.InvariantCulture,
                $"{LateAcks.Count} ({string.Join(", ", LateAcks.GroupBy(a => a.Channel).Select(g => $"{g.Key} {g.Count()}"))}) for {LateAcks[^1].AckMs - FirstByOther.AckMs} ms");

    public string Line() => string.Create(CultureInfo.InvariantCulture,
        $"| {Scenario} | {Evidence} | {Outage.TotalSeconds:0.0} s | {SplitBrainOverlap.TotalMilliseconds:0} ms | {LateText} | " +
        $"{Haproxy.Text} | {Direct.Text} | {Local.Text} | {HealText} | {OldLeader} -> {FinalLeader} |");
}
