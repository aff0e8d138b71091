using System.Globalization;

namespace NodeAgent.IntegrationTests.Chaos;

/// <summary>
/// What one scenario measured. Outage: the longest gap between consecutive writes acknowledged through
/// HAProxy that ends after the fault began. Split brain: 100 ms rounds in which two or more nodes
/// acknowledged a direct write. Lost: sequence numbers acknowledged through HAProxy that the final
/// leader does not have. Heal: from the end of the fault to one leader running as primary with both
/// other nodes streaming from it.
/// </summary>
public sealed record ChaosVerdict(
    string Scenario,
    TimeSpan Outage,
    IReadOnlyList<long> SplitBrainRounds,
    IReadOnlyList<long> LostSeqs,
    TimeSpan? Heal,
    int Acknowledged,
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

    /// <summary>Rounds in which more than one node acknowledged a direct write.</summary>
    public static IReadOnlyList<long> SplitBrain(WriteLog log) =>
        log.Direct.GroupBy(d => d.Round)
            .Where(g => g.Select(d => d.Node).Distinct().Count() > 1)
            .Select(g => g.Key)
            .Order()
            .ToList();

    public string HealText => Heal is { } heal ? string.Create(CultureInfo.InvariantCulture, $"{heal.TotalSeconds:0.0} s") : $"not healed in {ChaosCluster.HealLimit.TotalSeconds:0} s";

    public string Line() => string.Create(CultureInfo.InvariantCulture,
        $"| {Scenario} | {Outage.TotalSeconds:0.0} s | {SplitBrainOverlap.TotalMilliseconds:0} ms | {LostSeqs.Count} of {Acknowledged} | {HealText} | {OldLeader} -> {FinalLeader} |");
}
