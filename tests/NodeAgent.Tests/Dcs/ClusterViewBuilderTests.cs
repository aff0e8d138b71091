using NodeAgent.Cluster;
using NodeAgent.Dcs.Etcd3;

namespace NodeAgent.Tests.Dcs;

public sealed class ClusterViewBuilderTests
{
    private static Dictionary<string, StoredKey> Keys(params StoredKey[] keys) => keys.ToDictionary(k => k.Name);

    private static string MemberJson(string host, string role) =>
        $"{{\"conn_url\":\"postgres://{host}:5432/postgres\",\"api_url\":\"http://{host}:8008/patroni\",\"state\":\"running\",\"role\":\"{role}\",\"version\":\"3.0.2\"}}";

    [Fact]
    public void Builds_leader_members_config_and_status()
    {
        var view = ClusterViewBuilder.Build(Keys(
            new StoredKey("initialize", "7212345678901234567", 2, 0),
            new StoredKey("config", "{\"ttl\":30,\"loop_wait\":10}", 3, 0),
            new StoredKey("leader", "pg1", 10, 0x77),
            new StoredKey("members/pg2", MemberJson("10.0.0.2", "replica"), 12, 0x78),
            new StoredKey("members/pg1", MemberJson("10.0.0.1", "master"), 11, 0x77),
            new StoredKey("members/pg1/junk", "x", 11, 0),
            new StoredKey("status", "{\"optime\":50331808}", 13, 0),
            new StoredKey("history", "[[1,25165984,\"no recovery target specified\",\"2023-05-01T10:00:00+00:00\",\"pg1\"]]", 4, 0)), 13);

        Assert.Equal("7212345678901234567", view.Initialize);
        Assert.Equal(30, (int)view.Config!["ttl"]!);
        Assert.Equal(3, view.ConfigModRevision);
        Assert.Equal(new LeaderKey("pg1", 10, 0x77), view.Leader);
        Assert.Equal(["pg1", "pg2"], view.Members.Select(m => m.Name));
        Assert.Equal(MemberRole.Primary, view.LeaderMember!.Data.Role);
        Assert.Equal(0x77, view.LeaderMember.Lease);
        Assert.Equal(50331808UL, view.LastLsn);
        Assert.Equal(2, view.Timeline);
        Assert.Equal(13, view.Revision);
        Assert.Null(view.Failover);
    }

    [Fact]
    public void Empty_prefix_is_an_uninitialized_unlocked_cluster()
    {
        var view = ClusterViewBuilder.Build(Keys(), 5);

        Assert.Null(view.Initialize);
        Assert.False(view.IsLocked);
        Assert.Empty(view.Members);
        Assert.Equal(1, view.Timeline);
        Assert.Equal(SyncState.Empty, view.Sync);
    }

    [Fact]
    public void Leader_without_member_key_still_locks()
    {
        var view = ClusterViewBuilder.Build(Keys(new StoredKey("leader", "pg9", 4, 1)), 4);

        Assert.True(view.IsLocked);
        Assert.Null(view.LeaderMember);
    }

    [Fact]
    public void Legacy_optime_is_used_only_without_status_and_failover_sync_failsafe_are_read()
    {
        var view = ClusterViewBuilder.Build(Keys(
            new StoredKey("optime/leader", "1234", 3, 0),
            new StoredKey("failover", "{\"leader\":\"pg1\",\"member\":\"pg2\"}", 6, 0),
            new StoredKey("sync", "{\"leader\":\"pg1\",\"sync_standby\":\"pg2\"}", 7, 0),
            new StoredKey("failsafe", "{\"pg1\":\"http://a/patroni\"}", 8, 0),
            new StoredKey("config", "{", 9, 0)), 9);

        Assert.Equal(1234UL, view.LastLsn);
        Assert.Equal(("pg1", "pg2", 6L), (view.Failover!.Leader, view.Failover.Candidate, view.Failover.ModRevision));
        Assert.Equal(["pg2"], view.Sync.SyncStandbys);
        Assert.Equal("http://a/patroni", view.Failsafe!["pg1"]);
        Assert.NotNull(view.Config);
        Assert.Empty(view.Config);
    }
}
