using dotnet_etcd;
using NodeAgent.IntegrationTests.Fixtures;

namespace NodeAgent.IntegrationTests.Dcs;

public sealed class Etcd3DcsMemberTests
{
    private static DateTime Deadline() => DateTime.UtcNow.AddSeconds(3);

    [Fact]
    public async Task Touching_the_member_key_with_unchanged_data_writes_nothing_and_a_change_is_written()
    {
        await using var cluster = await EtcdCluster.StartAsync(1);
        var scope = Etcd3DcsFactory.NewScope();
        await using var dcs = Etcd3DcsFactory.Create(cluster, scope, "pg1");
        await dcs.StartAsync(default);
        using var raw = new EtcdClient(cluster.ClientUrlsCsv);
        var key = $"/service/{scope}/members/pg1";
        var member = Etcd3DcsFactory.Member("127.0.0.1") with { XlogLocation = 1 };

        await dcs.TouchMemberAsync(member, default);
        var first = (await raw.GetAsync(key, deadline: Deadline())).Kvs.Single();
        await dcs.TouchMemberAsync(member, default);
        await dcs.TouchMemberAsync(member, default);
        var unchanged = (await raw.GetAsync(key, deadline: Deadline())).Kvs.Single();
        await dcs.TouchMemberAsync(member with { XlogLocation = 2 }, default);
        var changed = (await raw.GetAsync(key, deadline: Deadline())).Kvs.Single();

        Assert.Equal(dcs.LeaseId, first.Lease);
        Assert.Equal(first.ModRevision, unchanged.ModRevision);
        Assert.True(changed.ModRevision > first.ModRevision, "a changed member key must be written");
        Assert.Contains("\"xlog_location\":2", changed.Value.ToStringUtf8(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_member_key_deleted_behind_our_back_is_written_again_on_the_next_touch()
    {
        await using var cluster = await EtcdCluster.StartAsync(1);
        var scope = Etcd3DcsFactory.NewScope();
        await using var dcs = Etcd3DcsFactory.Create(cluster, scope, "pg1");
        await dcs.StartAsync(default);
        using var raw = new EtcdClient(cluster.ClientUrlsCsv);
        var key = $"/service/{scope}/members/pg1";
        var member = Etcd3DcsFactory.Member("127.0.0.1");
        await dcs.TouchMemberAsync(member, default);

        await raw.DeleteAsync(key, deadline: Deadline());
        await Poll.UntilAsync(() => dcs.Current?.Members.Any(m => m.Name == "pg1") == false, TimeSpan.FromSeconds(5), "the watch to report the delete");
        await dcs.TouchMemberAsync(member, default);

        Assert.Single((await raw.GetAsync(key, deadline: Deadline())).Kvs);
    }
}
