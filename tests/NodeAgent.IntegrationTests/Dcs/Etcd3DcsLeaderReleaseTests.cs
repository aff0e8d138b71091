using dotnet_etcd;
using NodeAgent.IntegrationTests.Fixtures;

namespace NodeAgent.IntegrationTests.Dcs;

/// <summary>
/// The lock handover on real etcd: a member deletes the leader key only at the version its holder handed over, and a
/// holder that gets etcd back before anyone released keeps its lock as a new version that a late release cannot match.
/// </summary>
public sealed class Etcd3DcsLeaderReleaseTests
{
    private static DateTime Deadline() => DateTime.UtcNow.AddSeconds(3);

    [Fact]
    public async Task A_member_deletes_the_handed_over_version_and_the_old_holder_cannot_renew_it()
    {
        await using var cluster = await EtcdCluster.StartAsync(3);
        var scope = Etcd3DcsFactory.NewScope();
        await using var leader = Etcd3DcsFactory.Create(cluster, scope, "pg1");
        await using var member = Etcd3DcsFactory.Create(cluster, scope, "pg2");
        await leader.StartAsync(default);
        await member.StartAsync(default);
        Assert.True(await leader.AttemptToAcquireLeaderAsync(default));
        var lease = leader.LeaseId;

        var release = leader.AbandonLeaderLease();

        Assert.NotNull(release);
        Assert.Equal("pg1", release.Leader);
        Assert.Equal(0, leader.LeaseId);
        Assert.False(await member.ReleaseLeaderForAsync(release with { ModRevision = release.ModRevision + 1 }, default));
        Assert.False(await member.ReleaseLeaderForAsync(release with { Leader = "pg2" }, default));
        using var raw = new EtcdClient(cluster.ClientUrlsCsv);
        var kv = (await raw.GetAsync($"/service/{scope}/leader", deadline: Deadline())).Kvs.Single();
        Assert.Equal((release.ModRevision, lease), (kv.ModRevision, kv.Lease));

        Assert.True(await member.ReleaseLeaderForAsync(release, default));

        Assert.Empty((await raw.GetAsync($"/service/{scope}/leader", deadline: Deadline())).Kvs);
        Assert.False(await leader.UpdateLeaderAsync(default));
        Assert.Empty((await raw.GetAsync($"/service/{scope}/leader", deadline: Deadline())).Kvs);
        Assert.True(await member.AttemptToAcquireLeaderAsync(default));
    }

    [Fact]
    public async Task A_holder_that_nobody_released_keeps_its_lock_as_a_new_version_that_a_late_release_cannot_delete()
    {
        await using var cluster = await EtcdCluster.StartAsync(3);
        var scope = Etcd3DcsFactory.NewScope();
        await using var leader = Etcd3DcsFactory.Create(cluster, scope, "pg1");
        await using var member = Etcd3DcsFactory.Create(cluster, scope, "pg2");
        await leader.StartAsync(default);
        await member.StartAsync(default);
        Assert.True(await leader.AttemptToAcquireLeaderAsync(default));
        var release = leader.AbandonLeaderLease()!;

        Assert.True(await leader.UpdateLeaderAsync(default));

        using var raw = new EtcdClient(cluster.ClientUrlsCsv);
        var kv = (await raw.GetAsync($"/service/{scope}/leader", deadline: Deadline())).Kvs.Single();
        Assert.Equal("pg1", kv.Value.ToStringUtf8());
        Assert.NotEqual(release.ModRevision, kv.ModRevision);
        Assert.Equal(leader.LeaseId, kv.Lease);
        Assert.NotEqual(0, kv.Lease);

        // The request that was sent before etcd came back arrives now: it matches nothing.
        Assert.False(await member.ReleaseLeaderForAsync(release, default));
        Assert.Equal("pg1", (await raw.GetAsync($"/service/{scope}/leader", deadline: Deadline())).Kvs.Single().Value.ToStringUtf8());
        Assert.True(await leader.UpdateLeaderAsync(default));
    }
}
