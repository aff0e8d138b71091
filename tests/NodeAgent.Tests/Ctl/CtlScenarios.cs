using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using NodeAgent.Cluster;

namespace NodeAgent.Tests.Ctl;

/// <summary>
/// Loads Expected/scenarios.json (the DCS keys of a few clusters, as Patroni writes them) into cluster views,
/// and the expected outputs that Expected/generate.py produced with the real patronictl 3.0.2 functions.
/// </summary>
internal static class CtlScenarios
{
    public static string ExpectedDir([CallerFilePath] string here = "") => Path.Combine(Path.GetDirectoryName(here)!, "Expected");

    public static string Expected(string file) => File.ReadAllText(Path.Combine(ExpectedDir(), file));

    public static IEnumerable<string> Names() => Load().Select(p => p.Key);

    public static ClusterView View(string name) => ToView((JsonObject)Load()[name]!);

    private static JsonObject Load() => (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(ExpectedDir(), "scenarios.json")))!;

    private static ClusterView ToView(JsonObject s)
    {
        var members = ((JsonObject?)s["members"] ?? []).Select(p => new Member(p.Key, ToMemberData((JsonObject)p.Value!), 1, 1)).ToList();
        FailoverRequest? failover = s["failover"] is JsonObject f
            ? new FailoverRequest((string?)f["leader"], (string?)f["member"],
                f["scheduled_at"] is { } at ? DateTimeOffset.Parse((string)at!, CultureInfo.InvariantCulture) : null, 1)
            : null;
        var history = s["history"] is JsonArray h
            ? h.Select(l => new TimelineHistoryEntry((int)l![0]!, (ulong)l[1]!, (string)l[2]!, (string?)l[3], (string?)l[4])).ToList()
            : [];
        var sync = s["sync"] is JsonObject sy
            ? new SyncState((string?)sy["leader"], ((string?)sy["sync_standby"] ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries), 1)
            : SyncState.Empty;
        return new ClusterView
        {
            Initialize = (string?)s["initialize"],
            Config = (JsonObject?)s["config"]?.DeepClone(),
            Leader = s["leader"] is { } l ? new LeaderKey((string)l!, 1, 1) : null,
            Members = members,
            Failover = failover,
            History = history,
            LastLsn = s["status"]?["optime"] is { } o ? (ulong)o : 0,
            Sync = sync,
        };
    }

    public static MemberData ToMemberData(JsonObject d) => new()
    {
        ConnUrl = (string)d["conn_url"]!,
        ApiUrl = (string)d["api_url"]!,
        State = (string)d["state"]!,
        Role = MemberRoleNames.FromWire((string?)d["role"]),
        Tags = d["tags"] is JsonObject t ? t.ToDictionary(p => p.Key, p => (object?)p.Value!.DeepClone()) : null,
        PendingRestart = (bool?)d["pending_restart"] ?? false,
        XlogLocation = (ulong?)d["xlog_location"],
        Timeline = (int?)d["timeline"],
        ScheduledRestart = (JsonObject?)d["scheduled_restart"]?.DeepClone(),
        Pause = (bool?)d["pause"] ?? false,
        ReplicationState = (string?)d["replication_state"],
    };
}
