using System.Text.Json.Nodes;
using NodeAgent.Cluster;
using NodeAgent.Dcs.Etcd3;

namespace NodeAgent.Tests.Dcs;

public sealed class MemberDataCodecTests
{
    private const string PrimaryJson =
        "{\"conn_url\":\"postgres://10.0.0.1:5432/postgres\",\"api_url\":\"http://10.0.0.1:8008/patroni\",\"state\":\"running\",\"role\":\"master\",\"version\":\"3.0.2\",\"xlog_location\":50331808,\"timeline\":3}";

    private const string ReplicaJson =
        "{\"conn_url\":\"postgres://10.0.0.3:5432/postgres\",\"api_url\":\"http://10.0.0.3:8008/patroni\",\"state\":\"running\",\"role\":\"replica\",\"version\":\"3.0.2\",\"tags\":{\"nofailover\":true,\"replicatefrom\":\"pg2\",\"dc\":\"b\"},\"xlog_location\":50331648,\"timeline\":3,\"scheduled_restart\":{\"schedule\":\"2023-05-01T12:00:00+00:00\",\"postmaster_start_time\":\"2023-05-01 10:00:00.1+00:00\"}}";

    [Fact]
    public void Primary_is_encoded_exactly_like_patroni()
    {
        var data = new MemberData
        {
            ConnUrl = "postgres://10.0.0.1:5432/postgres",
            ApiUrl = "http://10.0.0.1:8008/patroni",
            State = "running",
            Role = MemberRole.Primary,
            Version = "3.0.2",
            XlogLocation = 50331808,
            Timeline = 3,
        };

        Assert.Equal(PrimaryJson, MemberDataCodec.Encode(data));
    }

    [Fact]
    public void Replica_with_tags_and_scheduled_restart_is_encoded_exactly_like_patroni()
    {
        var data = new MemberData
        {
            ConnUrl = "postgres://10.0.0.3:5432/postgres",
            ApiUrl = "http://10.0.0.3:8008/patroni",
            State = "running",
            Role = MemberRole.Replica,
            Version = "3.0.2",
            Tags = new Dictionary<string, object?> { ["nofailover"] = true, ["replicatefrom"] = "pg2", ["dc"] = "b" },
            XlogLocation = 50331648,
            Timeline = 3,
            ScheduledRestart = new JsonObject
            {
                ["schedule"] = "2023-05-01T12:00:00+00:00",
                ["postmaster_start_time"] = "2023-05-01 10:00:00.1+00:00",
            },
        };

        Assert.Equal(ReplicaJson, MemberDataCodec.Encode(data));
    }

    [Fact]
    public void Optional_flags_follow_patroni_order_and_our_extras_come_last()
    {
        var data = new MemberData
        {
            ConnUrl = "c",
            ApiUrl = "a",
            State = "running",
            Role = MemberRole.Primary,
            Version = "3.0.2",
            ProxyUrl = "p",
            CheckpointAfterPromote = false,
            PendingRestart = true,
            XlogLocation = 1,
            Timeline = 2,
            Pause = true,
            ReplicationState = "streaming",
            NodeAgentVersion = "1.4.0",
        };

        var encoded = MemberDataCodec.Encode(data);
        Assert.Equal(
            "{\"conn_url\":\"c\",\"api_url\":\"a\",\"state\":\"running\",\"role\":\"master\",\"version\":\"3.0.2\",\"proxy_url\":\"p\",\"checkpoint_after_promote\":false,\"pending_restart\":true,\"xlog_location\":1,\"timeline\":2,\"pause\":true,\"replication_state\":\"streaming\",\"nodeagent_version\":\"1.4.0\"}",
            encoded);
        Assert.Equal("1.4.0", MemberDataCodec.Decode(encoded).NodeAgentVersion);
    }

    [Fact]
    public void A_replica_being_created_carries_its_base_backup_progress()
    {
        var data = new MemberData
        {
            ConnUrl = "c", ApiUrl = "a", State = "creating replica", Role = MemberRole.Uninitialized, Version = "3.0.2",
            BasebackupProgress = new NodeAgent.Postgres.BasebackupProgress(2048, 4096),
        };

        var encoded = MemberDataCodec.Encode(data);

        Assert.EndsWith(",\"basebackup_progress\":{\"done_bytes\":2048,\"total_bytes\":4096}}", encoded, StringComparison.Ordinal);
        Assert.Equal(data.BasebackupProgress, MemberDataCodec.Decode(encoded).BasebackupProgress);
    }

    [Fact]
    public void Checkpoint_after_promote_true_and_false_defaults_are_omitted()
    {
        var data = new MemberData { ConnUrl = "c", ApiUrl = "a", State = "stopped", Role = MemberRole.Replica, Version = "3.0.2", CheckpointAfterPromote = true };

        Assert.Equal("{\"conn_url\":\"c\",\"api_url\":\"a\",\"state\":\"stopped\",\"role\":\"replica\",\"version\":\"3.0.2\"}", MemberDataCodec.Encode(data));
    }

    [Fact]
    public void Round_trip_keeps_every_field()
    {
        var decoded = MemberDataCodec.Decode(ReplicaJson);

        Assert.Equal(MemberRole.Replica, decoded.Role);
        Assert.True(decoded.NoFailover);
        Assert.Equal("pg2", decoded.Tags!["replicatefrom"]);
        Assert.Equal(50331648UL, decoded.XlogLocation);
        Assert.Equal(3, decoded.Timeline);
        Assert.Equal(ReplicaJson, MemberDataCodec.Encode(decoded));
    }

    [Fact]
    public void Reading_accepts_primary_and_ignores_unknown_fields()
    {
        var decoded = MemberDataCodec.Decode("{\"conn_url\":\"c\",\"api_url\":\"a\",\"state\":\"running\",\"role\":\"primary\",\"version\":\"4.0.0\",\"failover_priority\":1,\"pending_restart_reason\":{}}");

        Assert.Equal(MemberRole.Primary, decoded.Role);
        Assert.Equal("4.0.0", decoded.Version);
    }

    [Fact]
    public void Legacy_conn_kwargs_become_a_conn_url()
    {
        var decoded = MemberDataCodec.Decode("{\"conn_kwargs\":{\"host\":\"10.0.0.5\",\"port\":5433},\"api_url\":\"a\",\"state\":\"running\",\"role\":\"replica\"}");

        Assert.Equal("postgresql://10.0.0.5:5433", decoded.ConnUrl);
    }

    [Fact]
    public void Legacy_governor_connection_string_is_split_into_conn_and_api_url()
    {
        var decoded = MemberDataCodec.Decode("postgres://u:p@10.0.0.1:5432/postgres?application_name=http://10.0.0.1:8008/patroni");

        Assert.Equal("postgres://u:p@10.0.0.1:5432/postgres", decoded.ConnUrl);
        Assert.Equal("http://10.0.0.1:8008/patroni", decoded.ApiUrl);
    }

    [Theory]
    [InlineData("{")]
    [InlineData("[1,2]")]
    [InlineData("")]
    public void Garbage_reads_as_empty_data(string value)
    {
        var decoded = MemberDataCodec.Decode(value);

        Assert.Equal(string.Empty, decoded.ConnUrl);
        Assert.Equal(MemberRole.Uninitialized, decoded.Role);
    }

    [Fact]
    public void Watchdog_and_fencing_come_after_patroni_fields_and_round_trip()
    {
        var data = new MemberData
        {
            ConnUrl = "c",
            ApiUrl = "a",
            State = "running",
            Role = MemberRole.Primary,
            Version = "3.0.2",
            Watchdog = new DeadmanData("automatic", Armed: true, TimeoutSeconds: 25, Failed: false, Device: "/dev/watchdog"),
            Fencing = new DeadmanData("fence", Armed: false, TimeoutSeconds: null, Failed: false, Device: "postmaster"),
        };

        var json = MemberDataCodec.Encode(data);

        Assert.EndsWith(
            ",\"watchdog\":{\"mode\":\"automatic\",\"armed\":true,\"timeout\":25,\"device\":\"/dev/watchdog\"},\"fencing\":{\"mode\":\"fence\",\"armed\":false,\"device\":\"postmaster\"}}",
            json,
            StringComparison.Ordinal);
        var back = MemberDataCodec.Decode(json);
        Assert.Equal(data.Watchdog, back.Watchdog);
        Assert.Equal(data.Fencing, back.Fencing);
    }

    [Fact]
    public void A_patroni_member_has_no_watchdog_or_fencing()
    {
        var back = MemberDataCodec.Decode(PrimaryJson);

        Assert.Null(back.Watchdog);
        Assert.Null(back.Fencing);
    }
}
