using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using NodeAgent.Cluster;

namespace NodeAgent.Dcs.Etcd3;

/// <summary>The <c>sync</c> key (<c>SyncState.from_node</c> / <c>sync_state</c>) and the <c>failsafe</c> map.</summary>
internal static class SyncStateCodec
{
    /// <summary>With <paramref name="quorum"/> (quorum commit mode) the key carries Patroni 4's <c>quorum</c> field.</summary>
    public static string Encode(string? leader, IEnumerable<string> syncStandbys, int? quorum = null)
    {
        var names = syncStandbys.Order(StringComparer.Ordinal).ToList();
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var w = new Utf8JsonWriter(buffer, MemberDataCodec.WriterOptions))
        {
            w.WriteStartObject();
            w.WriteString("leader", leader);
            if (quorum is { } q)
            {
                w.WriteNumber("quorum", q);
            }

            if (names.Count == 0)
            {
                w.WriteNull("sync_standby");
            }
            else
            {
                w.WriteString("sync_standby", string.Join(',', names));
            }

            w.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public static SyncState Decode(string? value, long modRevision)
    {
        if (JsonParsing.TryParseObject(value) is not { } o)
        {
            return SyncState.Empty with { ModRevision = modRevision };
        }

        var standbys = JsonParsing.GetString(o, "sync_standby") is { Length: > 0 } s
            ? s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : [];
        // SyncState.from_node: the quorum counts only with a leader; unreadable means 0.
        var leader = JsonParsing.GetString(o, "leader");
        var quorum = leader is not null && o["quorum"] is { } q && Configuration.Parsing.JsonScalars.TryGetInt(q, out var n) ? n : 0;
        return new SyncState(leader, standbys, modRevision, quorum);
    }

    public static IReadOnlyDictionary<string, string>? DecodeFailsafe(string? value)
    {
        if (JsonParsing.TryParseObject(value) is not { } o)
        {
            return null;
        }

        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, url) in o)
        {
            if (url is JsonValue v && v.TryGetValue<string>(out var s))
            {
                result[name] = s;
            }
        }

        return result;
    }

    public static string EncodeFailsafe(IReadOnlyDictionary<string, string> members)
    {
        ArgumentNullException.ThrowIfNull(members);
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer, MemberDataCodec.WriterOptions))
        {
            w.WriteStartObject();
            foreach (var (name, url) in members)
            {
                w.WriteString(name, url);
            }

            w.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
