using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using NodeAgent.Cluster;

namespace NodeAgent.Dcs.Etcd3;

/// <summary>
/// The <c>history</c> key: <c>[[timeline, switch_lsn, reason, timestamp, new_leader], ...]</c>. Patroni's lines are
/// [tl, lsn, reason] until a promotion time (and new leader) is known; trailing unknowns are left out.
/// </summary>
internal static class HistoryCodec
{
    public static string Encode(IEnumerable<TimelineHistoryEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer, MemberDataCodec.WriterOptions))
        {
            w.WriteStartArray();
            foreach (var e in entries)
            {
                w.WriteStartArray();
                w.WriteNumberValue(e.Timeline);
                w.WriteNumberValue(e.SwitchLsn);
                w.WriteStringValue(e.Reason);
                if (e.Timestamp is not null || e.NewLeader is not null)
                {
                    w.WriteStringValue(e.Timestamp);
                }

                if (e.NewLeader is not null)
                {
                    w.WriteStringValue(e.NewLeader);
                }

                w.WriteEndArray();
            }

            w.WriteEndArray();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Anything that is not a list of rows reads as an empty history, like <c>TimelineHistory.from_node</c>.</summary>
    public static IReadOnlyList<TimelineHistoryEntry> Decode(string? value)
    {
        if (JsonParsing.TryParse(value) is not JsonArray rows)
        {
            return [];
        }

        var result = new List<TimelineHistoryEntry>(rows.Count);
        foreach (var row in rows)
        {
            if (row is not JsonArray cells || cells.Count < 3
                || cells[0] is not JsonValue tlv || JsonParsing.AsUInt64(tlv) is not { } tl || tl > int.MaxValue
                || cells[1] is not JsonValue lsnv || JsonParsing.AsUInt64(lsnv) is not { } lsn)
            {
                continue;
            }

            result.Add(new TimelineHistoryEntry(
                (int)tl,
                lsn,
                StringAt(cells, 2) ?? string.Empty,
                StringAt(cells, 3),
                StringAt(cells, 4)));
        }

        return result;
    }

    private static string? StringAt(JsonArray cells, int i) =>
        i < cells.Count && cells[i] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
}
