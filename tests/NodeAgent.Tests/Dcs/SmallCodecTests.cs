using NodeAgent.Cluster;
using NodeAgent.Dcs.Etcd3;

namespace NodeAgent.Tests.Dcs;

public sealed class SmallCodecTests
{
    [Fact]
    public void Failover_is_encoded_with_member_not_candidate_and_python_isoformat()
    {
        var json = FailoverCodec.Encode("pg1", "pg2", new DateTimeOffset(2023, 5, 1, 12, 0, 0, TimeSpan.Zero));

        Assert.Equal("{\"leader\":\"pg1\",\"member\":\"pg2\",\"scheduled_at\":\"2023-05-01T12:00:00+00:00\"}", json);
    }

    [Fact]
    public void Empty_failover_is_an_empty_object()
    {
        Assert.Equal("{}", FailoverCodec.Encode(null, "", null));
        Assert.True(FailoverCodec.Decode("{}", 7)!.IsEmpty);
    }

    [Fact]
    public void Failover_is_decoded_with_revision_and_schedule()
    {
        var f = FailoverCodec.Decode("{\"leader\":\"pg1\",\"member\":\"pg2\",\"scheduled_at\":\"2023-05-01T12:00:00.5+02:00\"}", 42)!;

        Assert.Equal("pg1", f.Leader);
        Assert.Equal("pg2", f.Candidate);
        Assert.Equal(new DateTimeOffset(2023, 5, 1, 10, 0, 0, 500, TimeSpan.Zero), f.ScheduledAt!.Value.ToUniversalTime());
        Assert.Equal(42, f.ModRevision);
    }

    [Fact]
    public void Legacy_failover_text_is_leader_colon_candidate()
    {
        var f = FailoverCodec.Decode("pg1:pg2", 3)!;

        Assert.Equal(("pg1", "pg2"), (f.Leader, f.Candidate));
        Assert.Null(FailoverCodec.Decode(":", 3));
    }

    [Fact]
    public void Isoformat_prints_microseconds_only_when_present()
    {
        var at = new DateTimeOffset(2023, 5, 1, 12, 0, 0, TimeSpan.FromHours(2)).AddTicks(1234560);

        Assert.Equal("2023-05-01T12:00:00.123456+02:00", PyDateTime.IsoFormat(at));
    }

    [Fact]
    public void History_round_trips_patroni_rows()
    {
        const string json = "[[1,25165984,\"no recovery target specified\",\"2023-05-01T10:00:00+00:00\",\"pg2\"],[2,33554592,\"no recovery target specified\"]]";

        var rows = HistoryCodec.Decode(json);

        Assert.Equal(2, rows.Count);
        Assert.Equal(new TimelineHistoryEntry(1, 25165984, "no recovery target specified", "2023-05-01T10:00:00+00:00", "pg2"), rows[0]);
        Assert.Null(rows[1].Timestamp);
        Assert.Equal(json, HistoryCodec.Encode(rows));
    }

    [Theory]
    [InlineData("{")]
    [InlineData("{\"a\":1}")]
    [InlineData("2")]
    public void History_that_is_not_a_list_is_empty(string value) => Assert.Empty(HistoryCodec.Decode(value));

    [Fact]
    public void Status_is_optime_json_and_falls_back_to_legacy_optime()
    {
        Assert.Equal("{\"optime\":50331808}", StatusCodec.Encode(50331808));
        Assert.Equal(50331808UL, StatusCodec.LastLsn("{\"optime\":50331808,\"slots\":{\"s\":1}}", "7"));
        Assert.Equal(7UL, StatusCodec.LastLsn(null, "7"));
        Assert.Equal(0UL, StatusCodec.LastLsn("{", "7"));
        Assert.Equal(0UL, StatusCodec.LastLsn(null, null));
    }

    [Fact]
    public void Sync_state_sorts_and_joins_names_and_writes_null_for_none()
    {
        Assert.Equal("{\"leader\":\"pg1\",\"sync_standby\":\"pg2,pg3\"}", SyncStateCodec.Encode("pg1", ["pg3", "pg2"]));
        Assert.Equal("{\"leader\":\"pg1\",\"sync_standby\":null}", SyncStateCodec.Encode("pg1", []));
        var s = SyncStateCodec.Decode("{\"leader\":\"pg1\",\"sync_standby\":\"pg2,pg3\"}", 9);
        Assert.Equal(["pg2", "pg3"], s.SyncStandbys);
        Assert.Equal(9, s.ModRevision);
    }

    [Fact]
    public void Sync_state_carries_the_quorum_in_quorum_commit_mode_as_patroni_4_writes_it()
    {
        Assert.Equal("{\"leader\":\"pg1\",\"quorum\":1,\"sync_standby\":\"pg2,pg3\"}", SyncStateCodec.Encode("pg1", ["pg3", "pg2"], 1));
        Assert.Equal(1, SyncStateCodec.Decode("{\"leader\":\"pg1\",\"quorum\":1,\"sync_standby\":\"pg2,pg3\"}", 9).Quorum);
        Assert.Equal(2, SyncStateCodec.Decode("{\"leader\":\"pg1\",\"quorum\":\"2\",\"sync_standby\":\"pg2,pg3\"}", 9).Quorum);
        // SyncState.from_node: no leader, no quorum; a missing or unreadable one is 0.
        Assert.Equal(0, SyncStateCodec.Decode("{\"quorum\":1}", 9).Quorum);
        Assert.Equal(0, SyncStateCodec.Decode("{\"leader\":\"pg1\",\"quorum\":\"x\"}", 9).Quorum);
        Assert.Equal(0, SyncStateCodec.Decode("{\"leader\":\"pg1\"}", 9).Quorum);
    }

    [Fact]
    public void Key_layout_follows_patroni_paths()
    {
        var layout = new KeyLayout("/service/batman/");

        Assert.Equal("/service/batman/leader", layout.Leader);
        Assert.Equal("/service/batman/members/pg1", layout.Member("pg1"));
        Assert.Equal("/service/batman/optime/leader", layout.LeaderOptime);
        Assert.Equal("/service/batman0", layout.PrefixRangeEnd);
        Assert.Equal("members/pg1", layout.Relative("/service/batman/members/pg1"));
        Assert.Null(layout.Relative("/service/robin/leader"));
        Assert.Equal("pg1", KeyLayout.MemberNameOf("members/pg1"));
        Assert.Null(KeyLayout.MemberNameOf("members/pg1/x"));
        Assert.Null(KeyLayout.MemberNameOf("members/"));
    }
}
