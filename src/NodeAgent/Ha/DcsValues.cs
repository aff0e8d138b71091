using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using NodeAgent.Cluster;
using NodeAgent.Configuration;

namespace NodeAgent.Ha;

/// <summary>JSON values the HA executor writes to the DCS, built with Utf8JsonWriter (AOT-safe, compact like Patroni).</summary>
internal static class DcsValues
{
    /// <summary>The <c>history</c> key: <c>[[timeline, switch_lsn, reason, timestamp, new_leader], ...]</c>, trailing unknowns left out.</summary>
    public static string History(IEnumerable<TimelineHistoryEntry> rows) => Write(w =>
    {
        w.WriteStartArray();
        foreach (var r in rows)
        {
            w.WriteStartArray();
            w.WriteNumberValue(r.Timeline);
            w.WriteNumberValue(r.SwitchLsn);
            w.WriteStringValue(r.Reason);
            // Patroni's lines are [tl, lsn, reason] until a promotion time (and new leader) is known.
            if (r.Timestamp is not null || r.NewLeader is not null)
            {
                WriteNullable(w, r.Timestamp);
            }

            if (r.NewLeader is not null)
            {
                w.WriteStringValue(r.NewLeader);
            }
            w.WriteEndArray();
        }

        w.WriteEndArray();
    });

    public static string Number(ulong n) => n.ToString(CultureInfo.InvariantCulture);

    private static void WriteNullable(Utf8JsonWriter w, string? s)
    {
        if (s is null)
        {
            w.WriteNullValue();
        }
        else
        {
            w.WriteStringValue(s);
        }
    }

    private static string Write(Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, Dcs.Etcd3.MemberDataCodec.WriterOptions))
        {
            body(w);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
