using System.Globalization;
using System.Text.Json.Nodes;
using NodeAgent.Cluster;

namespace NodeAgent.Ctl.Output;

/// <summary>
/// patronictl's <c>cluster_as_json</c> + <c>output_members</c> as a pure function of a cluster view:
/// which columns appear, each member's cells, the 3.1.1+ title with the system identifier, and the
/// maintenance and scheduled-switchover lines.
/// </summary>
internal static class MemberListingBuilder
{
    public static readonly IReadOnlyDictionary<string, CellAlign> Alignment = new Dictionary<string, CellAlign>
    {
        ["Group"] = CellAlign.Right,
        ["Lag in MB"] = CellAlign.Right,
        ["TL"] = CellAlign.Right,
    };

    private static readonly string[] OptionalColumns = ["Pending restart", "Scheduled restart", "Tags"];

    /// <param name="failsafe">
    /// With <c>-e</c> and failsafe_mode on: each member's <c>failsafe_mode_is_active</c> from its <c>GET /patroni</c>
    /// (null where the member did not answer); shown as the Failsafe column. Null adds no column.
    /// </param>
    public static MemberListing Build(ClusterView view, string clusterName, bool extended, bool topology, IReadOnlyDictionary<string, bool?>? failsafe = null)
    {
        ArgumentNullException.ThrowIfNull(view);
        var members = MemberSummary.FromView(view);
        var withHost = members.Where(m => m.Host is not null).ToList();

        var columns = new List<string> { "Cluster", "Member", "Host", "Role", "State", "TL", "Lag in MB" };
        if (extended || withHost.Any(m => m.PendingRestart))
        {
            columns.Add(OptionalColumns[0]);
        }

        if (extended || withHost.Any(m => m.ScheduledRestart is not null))
        {
            columns.Add(OptionalColumns[1]);
        }

        if (extended || withHost.Any(m => m.Tags is { Count: > 0 }))
        {
            columns.Add(OptionalColumns[2]);
        }

        // NodeAgent's own columns, only where a member reports them: a Patroni cluster lists exactly as patronictl.
        // During a migration: which members already run NodeAgent and which still run Patroni.
        if (extended && withHost.Any(m => m.Agent?.StartsWith("NodeAgent ", StringComparison.Ordinal) == true))
        {
            columns.Add("Agent");
        }

        if (extended && withHost.Any(m => m.Watchdog is not null))
        {
            columns.Add("Watchdog");
        }

        if (extended && withHost.Any(m => m.Fencing is not null))
        {
            columns.Add("Fencing");
        }

        if (extended && failsafe is not null)
        {
            columns.Add("Failsafe");
        }

        // host:port when somebody runs on a non-standard port or two members share a host.
        var appendPort = withHost.Any(m => m.Port != 5432)
            || withHost.Select(m => m.Host).Distinct(StringComparer.Ordinal).Count() < withHost.Count;

        var ordered = topology ? TopologyOrder.Sort(members) : members.Select(m => (Member: m, Name: m.Name));
        var rows = ordered.Select(x => Row(x.Member, x.Name, clusterName, appendPort, columns, failsafe)).ToList();

        var initialize = view.Initialize switch
        {
            null => "uninitialized",
            "" => "initializing",
            var sysid => sysid,
        };
        var title = $" Cluster: {clusterName} ({initialize}) ";
        return new MemberListing(columns, rows, title, ServiceInfo(view));
    }

    private static JsonNode?[] Row(MemberSummary m, string shownName, string clusterName, bool appendPort, List<string> columns, IReadOnlyDictionary<string, bool?>? failsafe)
    {
        var host = m.Host ?? "";
        if (appendPort && m.Host is not null && m.Port is not null)
        {
            host = host + ":" + m.Port.Value.ToString(CultureInfo.InvariantCulture);
        }

        return [.. columns.Select(c => c switch
        {
            "Cluster" => JsonValue.Create(clusterName),
            "Member" => JsonValue.Create(shownName),
            "Host" => JsonValue.Create(host),
            "Role" => JsonValue.Create(RoleTitle(m.Role)),
            "State" => JsonValue.Create(m.State),
            "TL" => m.Timeline is { } tl ? JsonValue.Create(tl) : JsonValue.Create(""),
            "Lag in MB" => LagCell(m),
            "Pending restart" => JsonValue.Create(m.PendingRestart ? "*" : ""),
            "Scheduled restart" => JsonValue.Create(ScheduledRestartText(m.ScheduledRestart)),
            "Tags" => m.Tags is { Count: > 0 } tags ? PlainValues.ToObject(tags) : JsonValue.Create(""),
            "Agent" => JsonValue.Create(m.Agent ?? ""),
            "Watchdog" => JsonValue.Create(DeadmanText(m.Watchdog)),
            "Fencing" => JsonValue.Create(DeadmanText(m.Fencing)),
            "Failsafe" => JsonValue.Create(FailsafeText(failsafe, m.Name)),
            _ => (JsonNode?)JsonValue.Create(""),
        })];
    }

    private static JsonValue LagCell(MemberSummary m) => m.LagBytes switch
    {
        _ when m.IsLeader => JsonValue.Create(""),
        null => JsonValue.Create("unknown"),
        // Python's round() rounds halves to even, as Math.Round does by default.
        { } bytes => JsonValue.Create((long)Math.Round(bytes / 1024.0 / 1024.0)),
    };

    private static string ScheduledRestartText(JsonObject? scheduled)
    {
        if (scheduled is null)
        {
            return "";
        }

        var text = OutputPrinter.PyStr(scheduled["schedule"]);
        if (scheduled.ContainsKey("postgres_version"))
        {
            text += " if version < " + OutputPrinter.PyStr(scheduled["postgres_version"]);
        }

        return text;
    }

    /// <summary>"armed 25s", "disarmed", "off", "failed": what an operator checks on the leader.</summary>
    public static string DeadmanText(DeadmanData? d) => d switch
    {
        null => "",
        { Failed: true } => "failed",
        { Mode: "off" } => "off",
        { Armed: true, TimeoutSeconds: { } t } => string.Create(CultureInfo.InvariantCulture, $"armed {t}s"),
        { Armed: true } => "armed",
        _ => "disarmed",
    };

    /// <summary>
    /// "active": the leader keeps its primary through failsafe mode, or a replica accepted the leader's POST /failsafe
    /// within ttl (ha.py:Failsafe.is_active); "unknown" when the member did not answer.
    /// </summary>
    private static string FailsafeText(IReadOnlyDictionary<string, bool?>? failsafe, string member) =>
        failsafe is null || !failsafe.TryGetValue(member, out var active) ? ""
        : active switch
        {
            true => "active",
            false => "inactive",
            null => "unknown",
        };

    /// <summary><c>role.replace('_', ' ').title()</c>.</summary>
    public static string RoleTitle(string role) =>
        string.Join(' ', role.Split('_').Select(w => w.Length == 0 ? w : char.ToUpperInvariant(w[0]) + w[1..]));

    private static List<string> ServiceInfo(ClusterView view)
    {
        var info = new List<string>();
        if (ClusterFlags.IsPaused(view))
        {
            info.Add("Maintenance mode: on");
        }

        if (view.Failover is { ScheduledAt: { } at } failover)
        {
            var text = "Switchover scheduled at: " + PyDateTime.IsoFormat(at);
            if (failover.Leader is not null)
            {
                text += "\n" + "from".PadLeft(24) + ": " + failover.Leader;
            }

            if (failover.Candidate is not null)
            {
                text += "\n" + "to".PadLeft(24) + ": " + failover.Candidate;
            }

            info.Add(text);
        }

        return info;
    }
}
