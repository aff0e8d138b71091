using System.Globalization;
using NodeAgent.Cluster;

namespace NodeAgent.Ha;

/// <summary>
/// postgresql/__init__.py:get_history and ha.py:update_cluster_history: the lines of the timeline history
/// file carry no promotion time or new leader, so the newest line gets "now" and this member's name, and
/// older lines keep what the history key already said about them.
/// </summary>
internal static class TimelineHistoryEnricher
{
    public static IReadOnlyList<TimelineHistoryEntry> Enrich(
        IReadOnlyList<TimelineHistoryEntry> fromFile, IReadOnlyList<TimelineHistoryEntry> known, int currentTimeline, string me, DateTimeOffset now)
    {
        var byTimeline = known.GroupBy(k => k.Timeline).ToDictionary(g => g.Key, g => g.Last());
        return [.. fromFile.Select(line =>
        {
            if (line.Timestamp is not null)
            {
                return line;
            }

            if (byTimeline.TryGetValue(line.Timeline, out var previous) && previous.Timestamp is not null)
            {
                return line with { Timestamp = previous.Timestamp, NewLeader = previous.NewLeader };
            }

            return line.Timeline == currentTimeline - 1
                ? line with { Timestamp = PyDateTime.IsoFormat(now), NewLeader = me }
                : line;
        })];
    }

    /// <summary>Python's datetime.isoformat() with microseconds and offset, as Patroni writes it.</summary>
}
