using NodeAgent.Cluster;
using NodeAgent.Dcs.Etcd3;
using NodeAgent.Ha;

namespace NodeAgent.Tests.Ha;

/// <summary>The history key written after a promotion looks like Patroni's: newest line timed and named, no nulls.</summary>
public sealed class TimelineHistoryEnricherTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 14, 0, 0, 123, TimeSpan.Zero);

    [Fact]
    public void Newest_line_gets_the_promotion_time_and_this_member()
    {
        IReadOnlyList<TimelineHistoryEntry> file = [new(1, 100, "no recovery target specified", null, null)];

        var rows = TimelineHistoryEnricher.Enrich(file, [], currentTimeline: 2, "u5", Now);

        Assert.Equal("""[[1,100,"no recovery target specified","2026-11-27T14:00:00.123000+00:00","u5"]]""", HistoryCodec.Encode(rows));
    }

    [Fact]
    public void Older_lines_keep_what_the_key_said_and_unknown_ones_stay_three_long()
    {
        IReadOnlyList<TimelineHistoryEntry> file =
        [
            new(1, 100, "no recovery target specified", null, null),
            new(2, 200, "no recovery target specified", null, null),
            new(3, 300, "no recovery target specified", null, null),
        ];
        IReadOnlyList<TimelineHistoryEntry> known = [new(2, 200, "no recovery target specified", "2026-01-01T00:00:00+00:00", "u6")];

        var rows = TimelineHistoryEnricher.Enrich(file, known, currentTimeline: 4, "u4", Now);

        Assert.Equal(
            """[[1,100,"no recovery target specified"],[2,200,"no recovery target specified","2026-01-01T00:00:00+00:00","u6"],[3,300,"no recovery target specified","2026-11-27T14:00:00.123000+00:00","u4"]]""",
            HistoryCodec.Encode(rows));
    }
}
