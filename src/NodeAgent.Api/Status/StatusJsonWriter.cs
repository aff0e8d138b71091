using System.Text.Json;

namespace NodeAgent.Api.Status;

/// <summary>
/// Writes the <c>GET /patroni</c> body in Patroni 3.0.2's field order
/// (<c>get_postgresql_status</c> then <c>_write_status_response</c>), plus NodeAgent's "watchdog" extension.
/// </summary>
public static class StatusJsonWriter
{
    private static readonly string[] QueryableStates = ["running", "restarting", "starting"];

    public static byte[] ToUtf8(StatusSnapshot s)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            Write(w, s);
        }

        return buffer.ToArray();
    }

    public static void Write(Utf8JsonWriter w, StatusSnapshot s)
    {
        w.WriteStartObject();
        WritePostgresStatus(w, s);
        if (s.Tags.Count > 0)
        {
            w.WritePropertyName("tags");
            JsonValues.WriteDictionary(w, s.Tags);
        }

        if (s.SystemIdentifier is { } sysid)
        {
            w.WriteString("database_system_identifier", sysid);
        }

        if (s.PendingRestart)
        {
            w.WriteBoolean("pending_restart", true);
        }

        w.WriteStartObject("patroni");
        w.WriteString("version", s.PatroniVersion);
        w.WriteString("scope", s.Scope);
        w.WriteEndObject();
        WriteScheduledRestart(w, s.ScheduledRestart);
        if (s.WatchdogFailed)
        {
            w.WriteBoolean("watchdog_failed", true);
        }

        if (s.Paused)
        {
            w.WriteBoolean("pause", true);
        }

        WriteExtensions(w, s);
        w.WriteEndObject();
    }

    private static void WritePostgresStatus(Utf8JsonWriter w, StatusSnapshot s)
    {
        w.WriteString("state", s.State);
        var queried = QueryableStates.Contains(s.State) && (s.XlogLocation is not null || s.ReplayedLocation is not null);
        if (queried)
        {
            WriteNullableString(w, "postmaster_start_time", s.PostmasterStartTime);
            w.WriteString("role", s.Role);
            if (s.ServerVersion is { } version)
            {
                w.WriteNumber("server_version", version);
            }

            WriteXlog(w, s);
            if (s.SyncStandby && s.XlogLocation is null)
            {
                w.WriteBoolean("sync_standby", true);
            }

            if (s.QuorumStandby && s.XlogLocation is null)
            {
                w.WriteBoolean("quorum_standby", true);
            }

            if (s.Timeline is { } timeline)
            {
                w.WriteNumber("timeline", timeline);
            }

            WriteReplication(w, s.Replication);
        }
        else
        {
            w.WriteString("role", s.Role);
        }

        if (!s.DcsAvailable || s.ClusterUnlocked)
        {
            w.WriteBoolean("cluster_unlocked", true);
        }

        if (s.FailsafeModeIsActive)
        {
            w.WriteBoolean("failsafe_mode_is_active", true);
        }

        w.WriteNumber("dcs_last_seen", s.DcsLastSeen ?? 0);
    }

    private static void WriteXlog(Utf8JsonWriter w, StatusSnapshot s)
    {
        w.WriteStartObject("xlog");
        if (s.XlogLocation is { } location)
        {
            w.WriteNumber("location", location);
        }
        else
        {
            var replayed = s.ReplayedLocation ?? 0;
            w.WriteNumber("received_location", s.ReceivedLocation is { } received and > 0 ? received : replayed);
            w.WriteNumber("replayed_location", replayed);
            WriteNullableString(w, "replayed_timestamp", s.ReplayedTimestamp);
            w.WriteBoolean("paused", s.ReplayPaused ?? false);
        }

        w.WriteEndObject();
    }

    private static void WriteReplication(Utf8JsonWriter w, IReadOnlyList<ReplicationRow> rows)
    {
        if (rows.Count == 0)
        {
            return;
        }

        w.WriteStartArray("replication");
        foreach (var row in rows)
        {
            w.WriteStartObject();
            w.WriteString("usename", row.UseName);
            w.WriteString("application_name", row.ApplicationName);
            WriteNullableString(w, "client_addr", row.ClientAddr);
            w.WriteString("state", row.State);
            w.WriteString("sync_state", row.SyncState);
            w.WriteNumber("sync_priority", row.SyncPriority);
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    private static void WriteScheduledRestart(Utf8JsonWriter w, ScheduledRestartStatus? restart)
    {
        if (restart is null)
        {
            return;
        }

        w.WriteStartObject("scheduled_restart");
        w.WriteString("schedule", restart.Schedule);
        if (restart.RestartPending is { } pending)
        {
            w.WriteBoolean("restart_pending", pending);
        }

        if (restart.Role is { } role)
        {
            w.WriteString("role", role);
        }

        if (restart.PostgresVersion is { } version)
        {
            w.WriteString("postgres_version", version);
        }

        if (restart.Timeout is { } timeout)
        {
            w.WriteNumber("timeout", timeout);
        }

        w.WriteEndObject();
    }

    /// <summary>NodeAgent additions after every Patroni key, so Patroni consumers see the same prefix.</summary>
    private static void WriteExtensions(Utf8JsonWriter w, StatusSnapshot s)
    {
        WriteDeadman(w, "watchdog", s.Watchdog);
        WriteDeadman(w, "fence", s.Fence);
        if (s.AgentVersion is { } agentVersion)
        {
            w.WriteStartObject("nodeagent");
            w.WriteString("version", agentVersion);
            w.WriteEndObject();
        }
    }

    private static void WriteDeadman(Utf8JsonWriter w, string name, WatchdogStatus? status)
    {
        if (status is { } dog)
        {
            w.WriteStartObject(name);
            w.WriteString("mode", dog.Mode);
            w.WriteString("device", dog.Device);
            w.WriteBoolean("armed", dog.Armed);
            if (dog.TimeoutSeconds is { } timeout)
            {
                w.WriteNumber("timeout", timeout);
            }
            else
            {
                w.WriteNull("timeout");
            }

            WriteNullableString(w, "last_keepalive", dog.LastKeepalive);
            w.WriteEndObject();
        }
    }

    private static void WriteNullableString(Utf8JsonWriter w, string name, string? value)
    {
        if (value is null)
        {
            w.WriteNull(name);
        }
        else
        {
            w.WriteString(name, value);
        }
    }
}
