using System.Globalization;
using System.Text;

namespace NodeAgent.Api.Status;

/// <summary>
/// <c>GET /metrics</c> in Prometheus text format with Patroni 3.0.2's names, help texts and quirks
/// (the stray space in patroni_postgres_server_version), then NodeAgent's own nodeagent_* gauges, counters and histograms.
/// </summary>
public static class MetricsWriter
{
    /// <param name="lockAge">Time since the last lock renewal, null when this node does not hold the lock.</param>
    public static string Write(StatusSnapshot s, TimeSpan? lockAge)
    {
        var label = $"{{scope=\"{Escape(s.Scope)}\"}}";
        var sb = new StringBuilder(4096);
        var primaryRole = s.Role is "master" or "primary" ? 1 : 0;
        var isReplicaXlog = s.XlogLocation is null;

        Gauge(sb, label, "patroni_version", "Patroni semver without periods.", PaddedVersion(s.PatroniVersion));
        Gauge(sb, label, "patroni_postgres_running", "Value is 1 if Postgres is running, 0 otherwise.", Flag(s.State == "running"));
        Gauge(sb, label, "patroni_postmaster_start_time", "Epoch seconds since Postgres started.", Epoch(s.PostmasterStartTime));
        Gauge(sb, label, "patroni_master", "Value is 1 if this node is the leader, 0 otherwise.", primaryRole.ToString(CultureInfo.InvariantCulture));
        Gauge(sb, label, "patroni_primary", "Value is 1 if this node is the leader, 0 otherwise.", primaryRole.ToString(CultureInfo.InvariantCulture));
        Metric(sb, label, "patroni_xlog_location", "Current location of the Postgres transaction log, 0 if this node is not the leader.", "counter", Number(s.XlogLocation ?? 0));
        Gauge(sb, label, "patroni_standby_leader", "Value is 1 if this node is the standby_leader, 0 otherwise.", Flag(s.Role == "standby_leader"));
        Gauge(sb, label, "patroni_replica", "Value is 1 if this node is a replica, 0 otherwise.", Flag(s.Role == "replica"));
        Gauge(sb, label, "patroni_sync_standby", "Value is 1 if this node is a sync standby replica, 0 otherwise.", Flag(s.SyncStandby));
        Gauge(sb, label, "patroni_quorum_standby", "Value is 1 if this node is a quorum standby, 0 otherwise.", Flag(s.QuorumStandby));
        Metric(sb, label, "patroni_xlog_received_location", "Current location of the received Postgres transaction log, 0 if this node is not a replica.", "counter",
            Number(isReplicaXlog ? (s.ReceivedLocation is { } r and > 0 ? r : s.ReplayedLocation ?? 0) : 0));
        Metric(sb, label, "patroni_xlog_replayed_location", "Current location of the replayed Postgres transaction log, 0 if this node is not a replica.", "counter",
            Number(isReplicaXlog ? s.ReplayedLocation ?? 0 : 0));
        Gauge(sb, label, "patroni_xlog_replayed_timestamp", "Current timestamp of the replayed Postgres transaction log, 0 if null.", Epoch(isReplicaXlog ? s.ReplayedTimestamp : null));
        Gauge(sb, label, "patroni_xlog_paused", "Value is 1 if the Postgres xlog is paused, 0 otherwise.", Flag(isReplicaXlog && s.ReplayPaused == true));
        // Patroni 3.0.4 api.py:do_GET_metrics adds these two, only for a running postgres of 9.6 or later.
        if (s.ServerVersion >= 90600)
        {
            Gauge(sb, label, "patroni_postgres_streaming", "Value is 1 if Postgres is streaming, 0 otherwise.", Flag(s.ReplicationState == "streaming"));
            Gauge(sb, label, "patroni_postgres_in_archive_recovery", "Value is 1 if Postgres is replicating from archive, 0 otherwise.",
                Flag(s.ReplicationState == "in archive recovery"));
        }

        Gauge(sb, " " + label, "patroni_postgres_server_version", "Version of Postgres (if running), 0 otherwise.", Number((ulong)(s.ServerVersion ?? 0)));
        Gauge(sb, label, "patroni_cluster_unlocked", "Value is 1 if the cluster is unlocked, 0 if locked.", Flag(s.ClusterUnlocked || !s.DcsAvailable));
        Gauge(sb, label, "patroni_failsafe_mode_is_active", "Value is 1 if the cluster is unlocked, 0 if locked.", Flag(s.FailsafeModeIsActive));
        Metric(sb, label, "patroni_postgres_timeline", "Postgres timeline of this node (if running), 0 otherwise.", "counter", Number((ulong)(s.Timeline ?? 0)));
        Gauge(sb, label, "patroni_dcs_last_seen", "Epoch timestamp when DCS was last contacted successfully by Patroni.", (s.DcsLastSeen ?? 0).ToString(CultureInfo.InvariantCulture));
        Gauge(sb, label, "patroni_pending_restart", "Value is 1 if the node needs a restart, 0 otherwise.", Flag(s.PendingRestart));
        Gauge(sb, label, "patroni_is_paused", "Value is 1 if auto failover is disabled, 0 otherwise.", Flag(s.Paused));

        Gauge(sb, label, "nodeagent_ha_loop_duration_seconds", "Duration of the last HA cycle in seconds.", Real(s.HaLoopDurationSeconds));
        Gauge(sb, label, "nodeagent_dcs_call_latency_seconds", "Latency of the last DCS call in seconds.", Real(s.DcsCallLatencySeconds));
        Gauge(sb, label, "nodeagent_watchdog_armed", "Value is 1 if the watchdog is armed, 0 otherwise.", Flag(s.Watchdog?.Armed == true));
        Gauge(sb, label, "nodeagent_fence_armed", "Value is 1 if the fence process would stop postgres when this agent goes silent, 0 otherwise.", Flag(s.Fence?.Armed == true));
        Gauge(sb, label, "nodeagent_lock_age_seconds", "Seconds since this node last renewed the leader lock, NaN if it does not hold it.", Real(lockAge?.TotalSeconds));
        AgentMetricsWriter.Write(sb, Escape(s.Scope), s.Metrics);
        return sb.ToString();
    }

    /// <summary>"3.0.2" becomes "030002", as Patroni zero-pads each part.</summary>
    public static string PaddedVersion(string version) =>
        string.Concat(version.Split('.').Select(part => part.PadLeft(2, '0')));

    private static void Gauge(StringBuilder sb, string label, string name, string help, string value) =>
        Metric(sb, label, name, help, "gauge", value);

    private static void Metric(StringBuilder sb, string label, string name, string help, string type, string value)
    {
        sb.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n');
        sb.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
        sb.Append(name).Append(label).Append(' ').Append(value).Append('\n');
    }

    private static string Flag(bool value) => value ? "1" : "0";

    private static string Number(ulong value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Real(double? value) => value is { } v ? v.ToString("R", CultureInfo.InvariantCulture) : "NaN";

    /// <summary>Epoch seconds of a Patroni str(datetime), 0 when absent, like Patroni.</summary>
    private static string Epoch(string? timestamp) =>
        timestamp is not null && DateTimeOffset.TryParse(timestamp, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
            ? (at - DateTimeOffset.UnixEpoch).TotalSeconds.ToString("R", CultureInfo.InvariantCulture)
            : "0";

    private static string Escape(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);
}
