using System.Text;
using System.Text.Json;
using NodeAgent.Api.Status;

namespace NodeAgent.Tests.Api;

public sealed class StatusJsonWriterTests
{
    [Fact]
    public void Stopped_postgres_gives_only_state_role_and_dcs_fields()
    {
        var s = Snapshots.Replica() with
        {
            State = "stopped",
            ReceivedLocation = null,
            ReplayedLocation = null,
            DcsAvailable = false,
            Tags = new Dictionary<string, object?>(),
            PendingRestart = true,
            WatchdogFailed = true,
        };

        var json = Encoding.UTF8.GetString(StatusJsonWriter.ToUtf8(s));

        Assert.Equal(
            "{\"state\":\"stopped\",\"role\":\"replica\",\"cluster_unlocked\":true,\"dcs_last_seen\":1682935512," +
            "\"pending_restart\":true,\"patroni\":{\"version\":\"3.0.2\",\"scope\":\"batman\"},\"watchdog_failed\":true}",
            json);
    }

    [Fact]
    public void Sync_replica_reports_sync_standby_and_typed_tags()
    {
        var s = Snapshots.Replica() with { SyncStandby = true, ScheduledRestart = new ScheduledRestartStatus("2030-01-01T00:00:00+00:00", RestartPending: true) };

        using var doc = JsonDocument.Parse(StatusJsonWriter.ToUtf8(s));
        var root = doc.RootElement;

        Assert.True(root.GetProperty("sync_standby").GetBoolean());
        Assert.Equal(JsonValueKind.False, root.GetProperty("tags").GetProperty("nofailover").ValueKind);
        Assert.Equal(3, root.GetProperty("tags").GetProperty("weight").GetInt32());
        Assert.Equal("2030-01-01T00:00:00+00:00", root.GetProperty("scheduled_restart").GetProperty("schedule").GetString());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("xlog").GetProperty("replayed_timestamp").ValueKind);
    }

    [Fact]
    public void Quorum_replica_reports_quorum_standby_as_patroni_4()
    {
        using var doc = JsonDocument.Parse(StatusJsonWriter.ToUtf8(Snapshots.Replica() with { QuorumStandby = true }));

        Assert.True(doc.RootElement.GetProperty("quorum_standby").GetBoolean());
        Assert.False(doc.RootElement.TryGetProperty("sync_standby", out _));
    }

    [Theory]
    [InlineData("3.0.2", "030002")]
    [InlineData("2.1.10", "020110")]
    public void Pads_the_version_like_patroni(string version, string expected) =>
        Assert.Equal(expected, MetricsWriter.PaddedVersion(version));
}
