using System.Text.Json.Nodes;
using NodeAgent.Cluster;

namespace NodeAgent.Commands;

/// <summary>Patroni's utils.cluster_as_json: the body of GET /cluster.</summary>
internal static class ClusterJson
{
    /// <summary>The body of GET /history: the history key's lines, trailing unknowns left out as in the key.</summary>
    public static JsonArray History(IEnumerable<TimelineHistoryEntry> history)
    {
        ArgumentNullException.ThrowIfNull(history);
        var lines = new JsonArray();
        foreach (var h in history)
        {
            var line = new JsonArray(h.Timeline, h.SwitchLsn, h.Reason);
            if (h.Timestamp is not null || h.NewLeader is not null)
            {
                line.Add((JsonNode?)h.Timestamp);
            }

            if (h.NewLeader is not null)
            {
                line.Add((JsonNode)h.NewLeader);
            }

            lines.Add((JsonNode)line);
        }

        return lines;
    }

    public static JsonObject Build(ClusterView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        var members = new JsonArray();
        foreach (var m in view.Members.OrderBy(m => m.Name, StringComparer.Ordinal))
        {
            var isLeader = view.Leader?.Name == m.Name;
            var json = new JsonObject
            {
                ["name"] = m.Name,
                ["role"] = isLeader ? (m.Data.Role == MemberRole.StandbyLeader ? "standby_leader" : "leader")
                    : view.Sync.SyncStandbys.Contains(m.Name) ? Ctl.Output.ClusterFlags.SyncRole(view) : "replica",
                ["state"] = m.Data.ReplicationState ?? m.Data.State,
                ["api_url"] = m.Data.ApiUrl,
            };
            if (HostPort(m.Data.ConnUrl) is { } hp)
            {
                json["host"] = hp.Host;
                json["port"] = hp.Port;
            }

            if (m.Data.Timeline is { } tl)
            {
                json["timeline"] = tl;
            }

            if (m.Data.PendingRestart)
            {
                json["pending_restart"] = true;
            }

            if (m.Data.ScheduledRestart is { } restart)
            {
                json["scheduled_restart"] = restart.DeepClone();
            }

            if (m.Data.Tags is { Count: > 0 } tags)
            {
                json["tags"] = Tags(tags);
            }

            if (!isLeader)
            {
                json["lag"] = m.Data.XlogLocation is { } x
                    ? JsonValue.Create(view.LastLsn > x ? (long)(view.LastLsn - x) : 0L)
                    : JsonValue.Create("unknown");
            }

            members.Add((JsonNode)json);
        }

        var result = new JsonObject { ["members"] = members };
        if (view.Config?["pause"] is JsonValue p && p.TryGetValue<bool>(out var paused) && paused)
        {
            result["pause"] = true;
        }

        if (view.Failover is { ScheduledAt: { } at } f)
        {
            result["scheduled_switchover"] = new JsonObject
            {
                ["at"] = PyDateTime.IsoFormat(at),
                ["from"] = f.Leader,
                ["to"] = f.Candidate,
            };
        }

        return result;
    }

    internal static (string Host, int Port)? HostPort(string connUrl)
    {
        if (!Uri.TryCreate(connUrl, UriKind.Absolute, out var uri))
        {
            return null;
        }

        return (uri.Host, uri.Port > 0 ? uri.Port : 5432);
    }

    private static JsonObject Tags(IReadOnlyDictionary<string, object?> tags)
    {
        var o = new JsonObject();
        foreach (var (k, v) in tags)
        {
            o[k] = v switch
            {
                null => null,
                bool b => JsonValue.Create(b),
                int i => JsonValue.Create(i),
                long l => JsonValue.Create(l),
                double d => JsonValue.Create(d),
                JsonNode n => n.DeepClone(),
                _ => JsonValue.Create(v.ToString()),
            };
        }

        return o;
    }
}
