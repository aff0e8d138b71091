using NodeAgent.Dcs.Etcd3;

namespace NodeAgent.Tests.Dcs;

public sealed class KeyCacheTests
{
    private static KeyEvent Put(string name, string value, long rev, long lease = 0) => new(true, new StoredKey(name, value, rev, lease), rev);

    private static KeyEvent Del(string name, long rev) => new(false, new StoredKey(name, string.Empty, rev, 0), rev);

    [Fact]
    public void Leader_change_wakes_but_member_update_does_not()
    {
        var cache = new KeyCache("pg2");
        cache.Reset([new StoredKey("leader", "pg1", 5, 1)], 5);

        Assert.False(cache.Apply([Put("members/pg2", "{}", 6)], 6));
        Assert.True(cache.Apply([Del("leader", 7)], 7));
        Assert.False(cache.View!.IsLocked);
        Assert.Equal(7, cache.View.Revision);
    }

    [Fact]
    public void Status_wakes_replicas_only()
    {
        var replica = new KeyCache("pg2");
        replica.Reset([new StoredKey("leader", "pg1", 5, 1)], 5);
        var leader = new KeyCache("pg1");
        leader.Reset([new StoredKey("leader", "pg1", 5, 1)], 5);

        Assert.True(replica.Apply([Put("status", "{\"optime\":1}", 6)], 6));
        Assert.False(leader.Apply([Put("status", "{\"optime\":1}", 6)], 6));
    }

    [Fact]
    public void Own_writes_are_visible_at_once_and_their_watch_echo_is_ignored()
    {
        var cache = new KeyCache("pg1");
        cache.Reset([], 5);

        cache.ApplyOwnPut(new StoredKey("leader", "pg1", 6, 9));
        Assert.Equal("pg1", cache.View!.Leader!.Name);
        Assert.False(cache.Apply([Put("leader", "pg1", 6, 9)], 6));
    }

    [Fact]
    public void Events_older_than_the_last_range_or_the_held_key_are_skipped()
    {
        var cache = new KeyCache("pg1");
        cache.Reset([new StoredKey("config", "{\"ttl\":20}", 8, 0)], 10);

        Assert.False(cache.Apply([Put("failover", "{}", 9)], 9));
        Assert.Null(cache.View!.Failover);
        cache.ApplyOwnPut(new StoredKey("config", "{\"ttl\":40}", 12, 0));
        Assert.False(cache.Apply([Del("config", 11)], 11));
        Assert.NotNull(cache.View.Config);
    }

    [Fact]
    public void Deleting_the_leaders_member_key_wakes()
    {
        var cache = new KeyCache("pg2");
        cache.Reset([new StoredKey("leader", "pg1", 5, 1), new StoredKey("members/pg1", "{}", 5, 1), new StoredKey("members/pg3", "{}", 5, 3)], 5);

        Assert.False(cache.Apply([Del("members/pg3", 6)], 6));
        Assert.True(cache.Apply([Del("members/pg1", 7)], 7));
    }
}
