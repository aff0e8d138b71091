using System.Net;
using System.Text.Json;

namespace NodeAgent.IntegrationTests.Api;

public sealed class StatusEndpointTests
{
    [Fact]
    public async Task Patroni_body_on_the_leader_has_patroni_fields_in_order()
    {
        await using var api = await ApiServerHarness.StartAsync("127.0.87.21", ApiSnapshots.Leader());
        using var http = new HttpClient { BaseAddress = api.BaseAddress };

        using var response = await http.GetAsync(new Uri("/patroni", UriKind.Relative));
        var json = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        Assert.Equal(
            ["state", "postmaster_start_time", "role", "server_version", "xlog", "timeline", "replication", "dcs_last_seen",
             "tags", "database_system_identifier", "patroni", "watchdog"],
            root.EnumerateObject().Select(p => p.Name).ToArray());
        Assert.Equal("master", root.GetProperty("role").GetString());
        Assert.Equal(50331808, root.GetProperty("xlog").GetProperty("location").GetInt64());
        Assert.Equal(3, root.GetProperty("timeline").GetInt32());
        Assert.Equal("u5", root.GetProperty("replication")[0].GetProperty("application_name").GetString());
        Assert.Equal("3.0.2", root.GetProperty("patroni").GetProperty("version").GetString());
        Assert.Equal("batman", root.GetProperty("patroni").GetProperty("scope").GetString());
        Assert.Equal("a", root.GetProperty("tags").GetProperty("dc").GetString());
        Assert.True(root.GetProperty("watchdog").GetProperty("armed").GetBoolean());
        Assert.Equal(25, root.GetProperty("watchdog").GetProperty("timeout").GetInt32());
    }

    [Fact]
    public async Task Patroni_body_on_a_replica_has_replay_positions()
    {
        await using var api = await ApiServerHarness.StartAsync("127.0.87.22", ApiSnapshots.Replica() with { Paused = true, ClusterUnlocked = true });
        using var http = new HttpClient { BaseAddress = api.BaseAddress };

        var json = await http.GetStringAsync(new Uri("/patroni", UriKind.Relative));

        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        var xlog = root.GetProperty("xlog");
        Assert.Equal("replica", root.GetProperty("role").GetString());
        Assert.Equal(50331900, xlog.GetProperty("received_location").GetInt64());
        Assert.Equal(50331808, xlog.GetProperty("replayed_location").GetInt64());
        Assert.Equal("2023-05-01 10:05:00.5+00:00", xlog.GetProperty("replayed_timestamp").GetString());
        Assert.False(xlog.GetProperty("paused").GetBoolean());
        Assert.True(root.GetProperty("cluster_unlocked").GetBoolean());
        Assert.True(root.GetProperty("pause").GetBoolean());
        Assert.False(root.TryGetProperty("replication", out _));
    }

    [Fact]
    public async Task Get_health_check_returns_status_json_with_the_code()
    {
        await using var api = await ApiServerHarness.StartAsync("127.0.87.23", ApiSnapshots.Replica());
        using var http = new HttpClient { BaseAddress = api.BaseAddress };

        using var master = await http.GetAsync(new Uri("/master", UriKind.Relative));
        using var caughtUp = await http.GetAsync(new Uri("/replica?lag=0", UriKind.Relative));
        using var replica = await http.GetAsync(new Uri("/replica?lag=1MB&tag_missing=x", UriKind.Relative));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, master.StatusCode);
        Assert.Contains("\"role\":\"replica\"", await master.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, caughtUp.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, replica.StatusCode);
    }

    [Fact]
    public async Task Metrics_use_patroni_names_and_nodeagent_extensions()
    {
        await using var api = await ApiServerHarness.StartAsync("127.0.87.24", ApiSnapshots.Leader() with { HaLoopDurationSeconds = 0.25 });
        using var http = new HttpClient { BaseAddress = api.BaseAddress };

        var text = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));

        var lines = text.Split('\n');
        Assert.Contains("patroni_version{scope=\"batman\"} 030002", lines);
        Assert.Contains("patroni_master{scope=\"batman\"} 1", lines);
        Assert.Contains("patroni_primary{scope=\"batman\"} 1", lines);
        Assert.Contains("patroni_replica{scope=\"batman\"} 0", lines);
        Assert.Contains("patroni_xlog_location{scope=\"batman\"} 50331808", lines);
        Assert.Contains("patroni_postgres_server_version {scope=\"batman\"} 150002", lines);
        Assert.Contains("patroni_postmaster_start_time{scope=\"batman\"} 1682935200.123456", lines);
        Assert.Contains("# TYPE patroni_xlog_location counter", lines);
        Assert.Contains("nodeagent_ha_loop_duration_seconds{scope=\"batman\"} 0.25", lines);
        Assert.Contains("nodeagent_watchdog_armed{scope=\"batman\"} 1", lines);
        Assert.Contains(lines, l => l.StartsWith("nodeagent_lock_age_seconds{scope=\"batman\"} 0.", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("nodeagent_dcs_call_latency_seconds{scope=\"batman\"} NaN", StringComparison.Ordinal));
        Assert.Contains("patroni_postgres_streaming{scope=\"batman\"} 0", lines);
        Assert.Contains("# TYPE nodeagent_promotions_total counter", lines);
        Assert.Contains("nodeagent_ha_cycle_duration_seconds_count{scope=\"batman\"} 0", lines);
    }

    [Fact]
    public async Task Liveness_fails_once_the_loop_is_overdue_and_readiness_follows_the_lock()
    {
        var now = TimeProvider.System.GetTimestamp();
        var overdue = now - (61 * TimeProvider.System.TimestampFrequency);
        await using var api = await ApiServerHarness.StartAsync("127.0.87.25", ApiSnapshots.Leader() with { NextRunTimestamp = now });

        var alive = await api.RawAsync("GET /liveness HTTP/1.0\r\n\r\n");
        var ready = await api.RawAsync("GET /readiness HTTP/1.0\r\n\r\n");
        api.Board.Publish(ApiSnapshots.Leader() with { NextRunTimestamp = overdue, LockRenewedTimestamp = overdue, State = "stopped" });
        var dead = await api.RawAsync("GET /liveness HTTP/1.0\r\n\r\n");
        var unready = await api.RawAsync("GET /readiness HTTP/1.0\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 200", alive, StringComparison.Ordinal);
        Assert.StartsWith("HTTP/1.1 200", ready, StringComparison.Ordinal);
        Assert.StartsWith("HTTP/1.1 503", dead, StringComparison.Ordinal);
        Assert.StartsWith("HTTP/1.1 503", unready, StringComparison.Ordinal);
    }
}
