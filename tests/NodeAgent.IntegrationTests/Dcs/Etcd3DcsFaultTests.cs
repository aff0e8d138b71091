using System.Diagnostics;
using dotnet_etcd;
using NodeAgent.Dcs;
using NodeAgent.IntegrationTests.Fixtures;

namespace NodeAgent.IntegrationTests.Dcs;

public sealed class Etcd3DcsFaultTests
{
    private const int RetryTimeout = 3;

    /// <summary>A correctness bound (the call must give up or succeed inside retry_timeout), not a benchmark.</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(RetryTimeout + 2);

    [Fact]
    public async Task With_one_of_three_members_frozen_every_call_succeeds_within_retry_timeout()
    {
        await using var cluster = await EtcdCluster.StartAsync(3);
        var scope = Etcd3DcsFactory.NewScope();
        await using var dcs = Etcd3DcsFactory.Create(cluster, scope, "pg1", retryTimeout: RetryTimeout);
        await dcs.StartAsync(default);
        Assert.True(await dcs.AttemptToAcquireLeaderAsync(default));

        cluster.Freeze(0); // the pool starts on the first endpoint, so this is the member it talks to
        try
        {
            for (var i = 0; i < 5; i++)
            {
                var watch = Stopwatch.StartNew();
                await dcs.TouchMemberAsync(Etcd3DcsFactory.Member("127.0.0.1") with { XlogLocation = (ulong)i }, default);
                Assert.True(await dcs.UpdateLeaderAsync(default));
                await dcs.ReadClusterAsync(default);
                await dcs.WriteStatusAsync((ulong)(100 + i), default);
                Assert.True(watch.Elapsed < Bound * 2, $"round {i} took {watch.Elapsed}");
            }

            // The watch followed the pool off the frozen member: a foreign write reaches the cache.
            using var raw = new EtcdClient(cluster.Members[1].ClientUrl);
            await raw.PutAsync($"/service/{scope}/config", "{\"ttl\":30}", deadline: DateTime.UtcNow.AddSeconds(3));
            await Poll.UntilAsync(() => dcs.Current?.Config is not null, TimeSpan.FromSeconds(10), "the watch to deliver the config");
        }
        finally
        {
            cluster.Thaw(0);
        }
    }

    [Fact]
    public async Task With_every_member_down_calls_throw_DcsUnavailable_within_retry_timeout()
    {
        await using var cluster = await EtcdCluster.StartAsync(3);
        var scope = Etcd3DcsFactory.NewScope();
        await using var dcs = Etcd3DcsFactory.Create(cluster, scope, "pg1", retryTimeout: RetryTimeout);
        await dcs.StartAsync(default);
        Assert.True(await dcs.AttemptToAcquireLeaderAsync(default));

        for (var i = 0; i < 3; i++)
        {
            cluster.Kill(i);
        }

        var watch = Stopwatch.StartNew();
        await Assert.ThrowsAsync<DcsUnavailableException>(() => dcs.UpdateLeaderAsync(default));
        Assert.True(watch.Elapsed <= Bound, $"UpdateLeader gave up after {watch.Elapsed}");

        watch.Restart();
        await Assert.ThrowsAsync<DcsUnavailableException>(() => dcs.TouchMemberAsync(Etcd3DcsFactory.Member("127.0.0.1"), default));
        Assert.True(watch.Elapsed <= Bound, $"TouchMember gave up after {watch.Elapsed}");

        watch.Restart();
        await Assert.ThrowsAsync<DcsUnavailableException>(() => dcs.ReadClusterAsync(default));
        Assert.True(watch.Elapsed <= Bound, $"ReadCluster gave up after {watch.Elapsed}");
    }

    [Fact]
    public async Task With_every_member_frozen_calls_throw_DcsUnavailable_within_retry_timeout()
    {
        await using var cluster = await EtcdCluster.StartAsync(3);
        var scope = Etcd3DcsFactory.NewScope();
        await using var dcs = Etcd3DcsFactory.Create(cluster, scope, "pg1", retryTimeout: RetryTimeout);
        await dcs.StartAsync(default);
        for (var i = 0; i < 3; i++)
        {
            cluster.Freeze(i);
        }

        try
        {
            var watch = Stopwatch.StartNew();
            await Assert.ThrowsAsync<DcsUnavailableException>(() => dcs.RefreshLeaseAsync(default));
            Assert.True(watch.Elapsed <= Bound, $"RefreshLease gave up after {watch.Elapsed}");
        }
        finally
        {
            for (var i = 0; i < 3; i++)
            {
                cluster.Thaw(i);
            }
        }
    }
}
