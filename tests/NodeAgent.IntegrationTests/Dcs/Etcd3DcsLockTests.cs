using System.Diagnostics;
using dotnet_etcd;
using NodeAgent.IntegrationTests.Fixtures;

namespace NodeAgent.IntegrationTests.Dcs;

public sealed class Etcd3DcsLockTests
{
    private static DateTime Deadline() => DateTime.UtcNow.AddSeconds(3);

    [Fact]
    public async Task Two_nodes_race_for_the_leader_and_exactly_one_wins_with_its_name_under_its_lease()
    {
        await using var cluster = await EtcdCluster.StartAsync(3);
        var scope = Etcd3DcsFactory.NewScope();
        await using var a = Etcd3DcsFactory.Create(cluster, scope, "pg1");
        await using var b = Etcd3DcsFactory.Create(cluster, scope, "pg2");
        await a.StartAsync(default);
        await b.StartAsync(default);

        var results = await Task.WhenAll(a.AttemptToAcquireLeaderAsync(default), b.AttemptToAcquireLeaderAsync(default));

        Assert.Equal(1, results.Count(r => r));
        var winner = results[0] ? a : b;
        var winnerName = results[0] ? "pg1" : "pg2";
        using var raw = new EtcdClient(cluster.ClientUrlsCsv);
        var kv = (await raw.GetAsync($"/service/{scope}/leader", deadline: Deadline())).Kvs.Single();
        Assert.Equal(winnerName, kv.Value.ToStringUtf8());
        Assert.Equal(winner.LeaseId, kv.Lease);
        Assert.NotEqual(0, kv.Lease);
        Assert.True(await winner.UpdateLeaderAsync(default));
        Assert.False(await (results[0] ? b : a).UpdateLeaderAsync(default));
        var loserView = await (results[0] ? b : a).ReadClusterAsync(default);
        Assert.Equal(winnerName, loserView.Leader!.Name);
    }

    [Fact]
    public async Task Lease_expiry_deletes_leader_and_member_and_wakes_the_watcher_promptly()
    {
        await using var cluster = await EtcdCluster.StartAsync(3);
        var scope = Etcd3DcsFactory.NewScope();
        const int ttl = 3;
        var dying = Etcd3DcsFactory.Create(cluster, scope, "pg1", ttl: ttl);
        await using var watcher = Etcd3DcsFactory.Create(cluster, scope, "pg2");
        await watcher.StartAsync(default);
        await dying.StartAsync(default);
        await dying.TouchMemberAsync(Etcd3DcsFactory.Member("127.0.0.1"), default);
        Assert.True(await dying.AttemptToAcquireLeaderAsync(default));
        Assert.True(await dying.RefreshLeaseAsync(default));
        var lastKeepalive = Stopwatch.StartNew();
        await dying.DisposeAsync(); // no revoke: the lease must run out on its own

        await Poll.UntilAsync(() => watcher.Current?.Leader?.Name == "pg1", TimeSpan.FromSeconds(5), "the watcher to see pg1 lead");
        while (watcher.Current!.IsLocked && lastKeepalive.Elapsed < TimeSpan.FromSeconds(ttl + 5))
        {
            await watcher.WaitForChangeAsync(TimeSpan.FromSeconds(ttl + 5) - lastKeepalive.Elapsed, default);
        }

        var woke = lastKeepalive.Elapsed;
        Assert.False(watcher.Current.IsLocked);
        Assert.Null(watcher.Current.FindMember("pg1"));
        Assert.True(woke >= TimeSpan.FromSeconds(ttl - 0.5), $"leader vanished after {woke} before the {ttl} s lease ran out");
        Assert.True(woke <= TimeSpan.FromSeconds(ttl + 1.5), $"watcher woke {woke} after the last keepalive (ttl {ttl} s)");
    }

    [Fact]
    public async Task UpdateLeader_is_false_once_someone_else_holds_the_key_and_never_overwrites_it()
    {
        await using var cluster = await EtcdCluster.StartAsync(3);
        var scope = Etcd3DcsFactory.NewScope();
        await using var a = Etcd3DcsFactory.Create(cluster, scope, "pg1");
        await using var b = Etcd3DcsFactory.Create(cluster, scope, "pg2");
        await a.StartAsync(default);
        await b.StartAsync(default);
        Assert.True(await a.AttemptToAcquireLeaderAsync(default));
        using var raw = new EtcdClient(cluster.ClientUrlsCsv);
        await raw.DeleteAsync($"/service/{scope}/leader", deadline: Deadline());
        Assert.True(await b.AttemptToAcquireLeaderAsync(default));

        Assert.False(await a.UpdateLeaderAsync(default));
        Assert.False(await a.DeleteLeaderAsync(default));

        var kv = (await raw.GetAsync($"/service/{scope}/leader", deadline: Deadline())).Kvs.Single();
        Assert.Equal("pg2", kv.Value.ToStringUtf8());
        Assert.Equal(b.LeaseId, kv.Lease);
        Assert.True(await b.DeleteLeaderAsync(default));
        Assert.Empty((await raw.GetAsync($"/service/{scope}/leader", deadline: Deadline())).Kvs);
    }

    [Fact]
    public async Task UpdateLeader_after_the_lease_expired_is_false_and_does_not_put_the_key_back()
    {
        await using var cluster = await EtcdCluster.StartAsync(3);
        var scope = Etcd3DcsFactory.NewScope();
        await using var a = Etcd3DcsFactory.Create(cluster, scope, "pg1", ttl: 2);
        await a.StartAsync(default);
        Assert.True(await a.AttemptToAcquireLeaderAsync(default));
        using var raw = new EtcdClient(cluster.ClientUrlsCsv);
        await Poll.UntilAsync(
            async () => (await raw.GetAsync($"/service/{scope}/leader", deadline: Deadline())).Kvs.Count == 0,
            TimeSpan.FromSeconds(10),
            "the stalled leader's lease to expire");

        Assert.False(await a.UpdateLeaderAsync(default));

        Assert.Empty((await raw.GetAsync($"/service/{scope}/leader", deadline: Deadline())).Kvs);
        Assert.NotEqual(0, a.LeaseId);
    }
}
