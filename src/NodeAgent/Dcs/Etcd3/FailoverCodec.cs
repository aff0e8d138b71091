using System.Buffers;
using System.Globalization;
using System.Text.Json;
using NodeAgent.Cluster;

namespace NodeAgent.Dcs.Etcd3;

/// <summary>
/// The <c>failover</c> key: <c>{"leader":..,"member":..,"scheduled_at":..}</c>, each field only when set
/// (<c>manual_failover</c>); "{}" clears it. Legacy plain text <c>leader:candidate</c> is read too.
/// </summary>
internal static class FailoverCodec
{
    /// <summary>Null (or a request naming nobody and no time) is "{}", which clears the key.</summary>
    public static string Encode(FailoverRequest? request) =>
        request is null ? "{}" : Encode(request.Leader, request.Candidate, request.ScheduledAt);

    public static string Encode(string? leader, string? candidate, DateTimeOffset? scheduledAt)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var w = new Utf8JsonWriter(buffer, MemberDataCodec.WriterOptions))
        {
            w.WriteStartObject();
            if (!string.IsNullOrEmpty(leader))
            {
                w.WriteString("leader", leader);
            }

            if (!string.IsNullOrEmpty(candidate))
            {
                w.WriteString("member", candidate);
            }

            if (scheduledAt is { } at)
            {
                w.WriteString("scheduled_at", PyDateTime.IsoFormat(at));
            }

            w.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Null when the key holds nothing usable (Patroni then treats it as no request).</summary>
    public static FailoverRequest? Decode(string? value, long modRevision)
    {
        if (string.IsNullOrEmpty(value))
        {
            return new FailoverRequest(null, null, null, modRevision);
        }

        var node = JsonParsing.TryParse(value);
        if (node is null)
        {
            var parts = value.Split(':');
            var leader = NullIfEmpty(parts[0].Trim());
            var candidate = parts.Length > 1 ? NullIfEmpty(parts[1].Trim()) : null;
            return leader is null && candidate is null ? null : new FailoverRequest(leader, candidate, null, modRevision);
        }

        if (node is not System.Text.Json.Nodes.JsonObject o)
        {
            return new FailoverRequest(null, null, null, modRevision);
        }

        DateTimeOffset? scheduled = null;
        if (JsonParsing.GetString(o, "scheduled_at") is { Length: > 0 } s
            && DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
        {
            scheduled = parsed;
        }

        return new FailoverRequest(
            NullIfEmpty(JsonParsing.GetString(o, "leader")),
            NullIfEmpty(JsonParsing.GetString(o, "member")),
            scheduled,
            modRevision);
    }

    private static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;
}
