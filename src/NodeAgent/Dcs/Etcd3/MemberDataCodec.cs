using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using NodeAgent.Cluster;

namespace NodeAgent.Dcs.Etcd3;

/// <summary>
/// <see cref="MemberData"/> as the value of <c>members/&lt;name&gt;</c>: compact JSON in Patroni's
/// field order (<c>ha.py:touch_member</c>). Reading is tolerant like <c>Member.from_node</c>: unknown
/// fields are ignored, "primary" is accepted, legacy <c>conn_kwargs</c> and bare connection strings work.
/// </summary>
internal static class MemberDataCodec
{
    /// <summary>Python's json.dumps does not escape '+' or '&lt;'; the relaxed encoder matches it for ASCII.</summary>
    internal static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
    };

    public static string Encode(MemberData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer, WriterOptions))
        {
            w.WriteStartObject();
            w.WriteString("conn_url", data.ConnUrl);
            w.WriteString("api_url", data.ApiUrl);
            w.WriteString("state", data.State);
            w.WriteString("role", data.Role.ToWire());
            w.WriteString("version", data.Version);
            if (!string.IsNullOrEmpty(data.ProxyUrl))
            {
                w.WriteString("proxy_url", data.ProxyUrl);
            }

            // Patroni writes the flag only when it is false (a promoted leader still waiting for its checkpoint).
            if (data.CheckpointAfterPromote == false)
            {
                w.WriteBoolean("checkpoint_after_promote", false);
            }

            if (data.Tags is { Count: > 0 })
            {
                w.WritePropertyName("tags");
                WriteTags(w, data.Tags);
            }

            if (data.PendingRestart)
            {
                w.WriteBoolean("pending_restart", true);
            }

            if (data.XlogLocation is { } xlog)
            {
                w.WriteNumber("xlog_location", xlog);
            }

            if (data.Timeline is { } timeline)
            {
                w.WriteNumber("timeline", timeline);
            }

            if (data.ScheduledRestart is { } scheduled)
            {
                w.WritePropertyName("scheduled_restart");
                scheduled.WriteTo(w);
            }

            if (data.Pause)
            {
                w.WriteBoolean("pause", true);
            }

            if (!string.IsNullOrEmpty(data.ReplicationState))
            {
                w.WriteString("replication_state", data.ReplicationState);
            }

            if (!string.IsNullOrEmpty(data.NodeAgentVersion))
            {
                w.WriteString("nodeagent_version", data.NodeAgentVersion);
            }

            if (data.BasebackupProgress is { } progress)
            {
                w.WritePropertyName("basebackup_progress");
                w.WriteStartObject();
                w.WriteNumber("done_bytes", progress.DoneBytes);
                w.WriteNumber("total_bytes", progress.TotalBytes);
                w.WriteEndObject();
            }

            WriteDeadman(w, "watchdog", data.Watchdog);
            WriteDeadman(w, "fencing", data.Fencing);
            w.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public static MemberData Decode(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return Empty;
        }

        if (value.StartsWith("postgres", StringComparison.Ordinal))
        {
            return FromLegacyConnectionString(value);
        }

        if (JsonParsing.TryParseObject(value) is not { } o)
        {
            return Empty;
        }

        return new MemberData
        {
            ConnUrl = JsonParsing.GetString(o, "conn_url") ?? ConnUrlFromKwargs(o["conn_kwargs"] as JsonObject) ?? string.Empty,
            ApiUrl = JsonParsing.GetString(o, "api_url") ?? string.Empty,
            State = JsonParsing.GetString(o, "state") ?? string.Empty,
            Role = MemberRoleNames.FromWire(JsonParsing.GetString(o, "role")),
            Version = JsonParsing.GetString(o, "version") ?? string.Empty,
            ProxyUrl = JsonParsing.GetString(o, "proxy_url"),
            CheckpointAfterPromote = JsonParsing.GetBool(o, "checkpoint_after_promote"),
            Tags = o["tags"] is JsonObject tags ? ReadTags(tags) : null,
            PendingRestart = JsonParsing.GetBool(o, "pending_restart") ?? false,
            XlogLocation = JsonParsing.GetUInt64(o, "xlog_location"),
            Timeline = JsonParsing.GetUInt64(o, "timeline") is { } t && t <= int.MaxValue ? (int)t : null,
            ScheduledRestart = o["scheduled_restart"] is JsonObject s ? (JsonObject)s.DeepClone() : null,
            Pause = JsonParsing.GetBool(o, "pause") ?? false,
            ReplicationState = JsonParsing.GetString(o, "replication_state"),
            NodeAgentVersion = JsonParsing.GetString(o, "nodeagent_version"),
            BasebackupProgress = o["basebackup_progress"] is JsonObject bp
                && JsonParsing.GetUInt64(bp, "done_bytes") is { } done and <= long.MaxValue
                && JsonParsing.GetUInt64(bp, "total_bytes") is { } total and <= long.MaxValue
                ? new Postgres.BasebackupProgress((long)done, (long)total)
                : null,
            Watchdog = ReadDeadman(o["watchdog"] as JsonObject),
            Fencing = ReadDeadman(o["fencing"] as JsonObject),
        };
    }

    private static void WriteDeadman(Utf8JsonWriter w, string name, DeadmanData? d)
    {
        if (d is null)
        {
            return;
        }

        w.WritePropertyName(name);
        w.WriteStartObject();
        w.WriteString("mode", d.Mode);
        w.WriteBoolean("armed", d.Armed);
        if (d.TimeoutSeconds is { } timeout)
        {
            w.WriteNumber("timeout", timeout);
        }

        if (d.Failed)
        {
            w.WriteBoolean("failed", true);
        }

        if (!string.IsNullOrEmpty(d.Device))
        {
            w.WriteString("device", d.Device);
        }

        w.WriteEndObject();
    }

    private static DeadmanData? ReadDeadman(JsonObject? o) => o is null
        ? null
        : new DeadmanData(
            JsonParsing.GetString(o, "mode") ?? string.Empty,
            JsonParsing.GetBool(o, "armed") ?? false,
            JsonParsing.GetUInt64(o, "timeout") is { } t && t <= int.MaxValue ? (int)t : null,
            JsonParsing.GetBool(o, "failed") ?? false,
            JsonParsing.GetString(o, "device"));

    private static readonly MemberData Empty = new()
    {
        ConnUrl = string.Empty,
        ApiUrl = string.Empty,
        State = string.Empty,
        Role = MemberRole.Uninitialized,
        Version = string.Empty,
    };

    private static void WriteTags(Utf8JsonWriter w, IReadOnlyDictionary<string, object?> tags)
    {
        w.WriteStartObject();
        foreach (var (name, value) in tags)
        {
            w.WritePropertyName(name);
            switch (value)
            {
                case null: w.WriteNullValue(); break;
                case bool b: w.WriteBooleanValue(b); break;
                case string s: w.WriteStringValue(s); break;
                case int i: w.WriteNumberValue(i); break;
                case long l: w.WriteNumberValue(l); break;
                case ulong u: w.WriteNumberValue(u); break;
                case double d: w.WriteNumberValue(d); break;
                case decimal m: w.WriteNumberValue(m); break;
                case JsonNode n: n.WriteTo(w); break;
                default: w.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture)); break;
            }
        }

        w.WriteEndObject();
    }

    private static Dictionary<string, object?> ReadTags(JsonObject tags)
    {
        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (name, node) in tags)
        {
            result[name] = JsonParsing.ToPlainValue(node);
        }

        return result;
    }

    private static string? ConnUrlFromKwargs(JsonObject? kwargs)
    {
        if (kwargs is null || JsonParsing.GetString(kwargs, "host") is not { Length: > 0 } host)
        {
            return null;
        }

        var port = kwargs["port"]?.ToString() ?? "5432";
        if (host.Contains(':', StringComparison.Ordinal) && host[0] != '[')
        {
            host = "[" + host + "]";
        }

        return "postgresql://" + host + ":" + port;
    }

    /// <summary>Governor-era value: <c>postgres://u:p@host/postgres?application_name=&lt;api_url&gt;</c>.</summary>
    private static MemberData FromLegacyConnectionString(string value)
    {
        var q = value.IndexOf('?', StringComparison.Ordinal);
        string? api = null;
        if (q >= 0)
        {
            foreach (var pair in value[(q + 1)..].Split('&'))
            {
                var eq = pair.IndexOf('=', StringComparison.Ordinal);
                if (eq > 0 && pair[..eq] == "application_name")
                {
                    api = Uri.UnescapeDataString(pair[(eq + 1)..].Replace('+', ' '));
                    break;
                }
            }
        }

        return Empty with { ConnUrl = q >= 0 ? value[..q] : value, ApiUrl = api ?? string.Empty };
    }
}
