using System.Text.Json.Nodes;
using NodeAgent.Cluster;

namespace NodeAgent.Ctl.Output;

/// <summary>One member as patronictl's <c>cluster_as_json</c> describes it (role relative to the cluster, lag in bytes).</summary>
internal sealed record MemberSummary(
    string Name,
    string Role,
    string State,
    string ApiUrl,
    string? Host,
    int? Port,
    int? Timeline,
    bool PendingRestart,
    JsonObject? ScheduledRestart,
    IReadOnlyDictionary<string, object?>? Tags,
    bool IsLeader,
    ulong? LagBytes,
    DeadmanData? Watchdog = null,
    DeadmanData? Fencing = null,
    string? Agent = null)
{
    /// <summary>Members sorted by name, like <c>cluster_as_json</c>.</summary>
    public static List<MemberSummary> FromView(ClusterView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        var leaderName = view.Leader?.Name;
        var standby = ClusterFlags.IsStandbyCluster(view);
        return [.. view.Members
            .OrderBy(m => m.Name, StringComparer.Ordinal)
            .Select(m => From(m, view, leaderName, standby))];
    }

    private static MemberSummary From(Member m, ClusterView view, string? leaderName, bool standby)
    {
        var isLeader = m.Name == leaderName;
        var role = isLeader ? (standby ? "standby_leader" : "leader")
            : view.Sync.SyncStandbys.Contains(m.Name) ? ClusterFlags.SyncRole(view)
            : "replica";
        var (host, port) = ConnUrl.HostAndPort(m.Data.ConnUrl);

        ulong? lag = null;
        if (!isLeader && m.Data.XlogLocation is { } lsn)
        {
            lag = view.LastLsn >= lsn ? view.LastLsn - lsn : 0;
        }

        return new MemberSummary(
            m.Name, role, ShownState(m.Data), m.Data.ApiUrl, host, port, m.Data.Timeline,
            m.Data.PendingRestart, m.Data.ScheduledRestart, m.Data.Tags, isLeader, lag, m.Data.Watchdog, m.Data.Fencing,
            AgentText(m.Data));
    }

    /// <summary>"NodeAgent 1.2.0" for our members, "Patroni 3.0.2" (the member key's version) for Patroni's.</summary>
    private static string AgentText(MemberData data) => data.NodeAgentVersion is { Length: > 0 } ours
        ? "NodeAgent " + ours
        : data.Version.Length > 0 ? "Patroni " + data.Version : "";

    /// <summary>A running replica shows its replication state ("streaming"), as Patroni 3.0.4+ does.</summary>
    private static string ShownState(MemberData data) =>
        data.State == "running" && !string.IsNullOrEmpty(data.ReplicationState) ? data.ReplicationState : data.State;
}
