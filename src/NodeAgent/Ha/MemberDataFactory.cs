using System.Globalization;
using System.Text.Json.Nodes;
using NodeAgent.Cluster;
using NodeAgent.Configuration;
using NodeAgent.Postgres;
using NodeAgent.Watchdog;

namespace NodeAgent.Ha;

/// <summary>Builds <c>members/&lt;me&gt;</c> the way ha.py:touch_member does.</summary>
public static class MemberDataFactory
{
    public static MemberData Build(
        AgentConfig config, PostgresObservation pg, LongActionKind? longAction, bool paused,
        ScheduledRestart? scheduledRestart = null, WatchdogState? watchdog = null, WatchdogState? fence = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(pg);
        var role = Role(pg);
        return new MemberData
        {
            ConnUrl = $"postgres://{config.Postgresql.ConnectAddress ?? ListenAddress(config.Postgresql.Listen)}/{config.Postgresql.Database}",
            ApiUrl = $"http://{config.RestApi.ConnectAddress ?? config.RestApi.Listen}/patroni",
            State = StateWord(pg, longAction),
            Role = role,
            Version = AgentVersion.PatroniCompatible,
            ProxyUrl = config.Postgresql.ProxyAddress is { } proxy ? $"postgres://{proxy}/{config.Postgresql.Database}" : null,
            Tags = Tags(config.Tags),
            XlogLocation = pg.IsRunning ? pg.WalPosition?.Value : null,
            Timeline = pg.IsRunning ? pg.Timeline : null,
            PendingRestart = pg.IsRunning && pg.PendingRestart,
            // ha.py:touch_member: only "false" is written; Patroni 1.5.6+ reads an absent key on a primary as done.
            CheckpointAfterPromote = role == MemberRole.Primary && pg.CheckpointAfterPromotePending ? false : null,
            ScheduledRestart = scheduledRestart is null ? null : ScheduledRestartJson(scheduledRestart),
            Pause = paused,
            ReplicationState = ReplicationState(pg),
            NodeAgentVersion = AgentVersion.Current,
            BasebackupProgress = longAction is LongActionKind.Clone or LongActionKind.Reinitialize ? pg.BasebackupProgress : null,
            Watchdog = Deadman(watchdog),
            Fencing = Deadman(fence),
        };
    }

    private static DeadmanData? Deadman(WatchdogState? s) =>
        s is null ? null : new DeadmanData(s.Mode, s.Armed, s.TimeoutSeconds, s.Failed, s.Device);

    /// <summary>
    /// Patroni 3.0.4's replication_state (postgresql/__init__.py:replication_state_from_parameters), so `list` can say
    /// "streaming" for a replica: a replica not streaming is in archive recovery only when it has a restore_command.
    /// </summary>
    public static string? ReplicationState(PostgresObservation pg) => pg switch
    {
        { IsRunning: true, IsInRecovery: true, ReceiverState: "streaming" } => "streaming",
        { IsRunning: true, IsInRecovery: true, HasRestoreCommand: true } => "in archive recovery",
        _ => null,
    };

    public static MemberRole Role(PostgresObservation pg) => pg switch
    {
        { DataDir: DataDirState.Empty } => MemberRole.Uninitialized,
        { IsRunning: true, IsInRecovery: false } => MemberRole.Primary,
        _ => MemberRole.Replica,
    };

    /// <summary>The state word of a long action that names it whatever postgres looks like; null for a start.</summary>
    public static string? StateWord(LongActionKind action) => action switch
    {
        LongActionKind.Bootstrap => "initializing new cluster",
        LongActionKind.Clone or LongActionKind.Reinitialize => "creating replica",
        LongActionKind.Restart => "restarting",
        _ => null,
    };

    /// <summary>Patroni's state words.</summary>
    public static string StateWord(PostgresObservation pg, LongActionKind? longAction)
    {
        ArgumentNullException.ThrowIfNull(pg);
        return longAction switch
        {
            { } action when StateWord(action) is { } word => word,
            _ when pg.IsRunning && pg.IsAcceptingConnections => "running",
            // Kept down on purpose (diverged data) even while the start action that decided so is still marked.
            _ when !pg.IsRunning && pg.StartBlocked is not null => "start failed",
            _ when pg.IsRunning || longAction == LongActionKind.Start => "starting",
            _ when pg.CrashedSinceLastObservation => "crashed",
            _ => "stopped",
        };
    }

    /// <summary>
    /// ha.py:touch_member's <c>scheduled_restart</c>: the request's keys with the schedule in isoformat(), then the
    /// postmaster start time it was scheduled against (str() of Patroni's datetime).
    /// </summary>
    public static JsonObject ScheduledRestartJson(ScheduledRestart scheduled)
    {
        ArgumentNullException.ThrowIfNull(scheduled);
        var json = new JsonObject { ["schedule"] = PyDateTime.IsoFormat(scheduled.At) };
        if (scheduled.Filters.RestartPending is { } pending)
        {
            json["restart_pending"] = pending;
        }

        if (scheduled.Filters.Role is { } role)
        {
            json["role"] = role;
        }

        if (scheduled.Filters.PostgresVersion is { } version)
        {
            json["postgres_version"] = version;
        }

        if (scheduled.TimeoutSeconds is { } timeout)
        {
            json["timeout"] = timeout;
        }

        json["postmaster_start_time"] = scheduled.PostmasterStartTime is { } started ? PyDateTime.Str(started) : null;
        return json;
    }

    /// <summary>__main__.py:get_tags: false clonefrom/nofailover/noloadbalance/nosync are omitted.</summary>
    public static IReadOnlyDictionary<string, object?>? Tags(IReadOnlyDictionary<string, object?> tags)
    {
        ArgumentNullException.ThrowIfNull(tags);
        var kept = tags
            .Where(t => !(t.Key is "clonefrom" or "nofailover" or "noloadbalance" or "nosync" && !IsTrue(t.Value)))
            .ToDictionary(t => t.Key, t => t.Value, StringComparer.Ordinal);
        return kept.Count == 0 ? null : kept;
    }

    private static bool IsTrue(object? v) => v is true || (v is string s && s.Equals("true", StringComparison.OrdinalIgnoreCase));

    /// <summary>The first listen host, with the port; 0.0.0.0 or * is not a connect address, fall back to 127.0.0.1.</summary>
    private static string ListenAddress(string listen)
    {
        var colon = listen.LastIndexOf(':');
        var hosts = colon < 0 ? listen : listen[..colon];
        var port = colon < 0 ? "5432" : listen[(colon + 1)..];
        var host = hosts.Split(',')[0].Trim();
        return $"{(host is "" or "*" or "0.0.0.0" ? "127.0.0.1" : host)}:{port}";
    }
}
