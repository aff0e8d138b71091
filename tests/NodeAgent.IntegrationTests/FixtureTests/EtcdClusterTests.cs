using dotnet_etcd;
using NodeAgent.IntegrationTests.Fixtures;

namespace NodeAgent.IntegrationTests.FixtureTests;

public sealed class EtcdClusterTests
{
    private static DateTime Deadline() => DateTime.UtcNow.AddSeconds(3);

    [Fact]
    public async Task Put_then_get_round_trips_through_the_cluster()
    {
        await using var cluster = await EtcdCluster.StartAsync(3);
        using var client = new EtcdClient(cluster.ClientUrlsCsv);

        await client.PutAsync("/fixture/key", "value-1", deadline: Deadline());
        var value = await client.GetValAsync("/fixture/key", deadline: Deadline());

        Assert.Equal("value-1", value);
        Assert.Equal(3, cluster.Endpoints.Distinct().Count());
    }

    [Fact]
    public async Task Writes_succeed_with_one_of_three_members_killed_and_the_member_rejoins()
    {
        await using var cluster = await EtcdCluster.StartAsync(3);
        var killedPid = cluster.Members[0].Pid!.Value;

        cluster.Kill(0);

        Assert.False(cluster.Members[0].IsRunning);
        Assert.False(File.Exists($"/proc/{killedPid}/status") && !IsZombie(killedPid), "killed etcd still alive");
        using (var client = new EtcdClient(cluster.Members[1].ClientUrl))
        {
            await client.PutAsync("/fixture/after-kill", "still-writable", deadline: Deadline());
            Assert.Equal("still-writable", await client.GetValAsync("/fixture/after-kill", deadline: Deadline()));
        }

        await cluster.StartMemberAsync(0);
        using var rejoined = new EtcdClient(cluster.Members[0].ClientUrl);
        Assert.Equal("still-writable", await rejoined.GetValAsync("/fixture/after-kill", deadline: Deadline()));
    }

    [Fact]
    public async Task A_frozen_member_is_unhealthy_until_thawed()
    {
        await using var cluster = await EtcdCluster.StartAsync(3);

        cluster.Freeze(2);
        Assert.False(await EtcdCluster.IsHealthyAsync(cluster.Members[2]));
        cluster.Thaw(2);

        await cluster.WaitHealthyAsync(TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task Dispose_kills_every_member_and_removes_the_data_dirs()
    {
        var cluster = await EtcdCluster.StartAsync(1);
        var pid = cluster.Members[0].Pid!.Value;
        var dataDir = cluster.Members[0].DataDir;
        Assert.True(Directory.Exists(dataDir));

        await cluster.DisposeAsync();

        Assert.False(Directory.Exists(dataDir));
        Assert.True(!File.Exists($"/proc/{pid}/status") || IsZombie(pid), "etcd survived dispose");
    }

    private static bool IsZombie(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/status").Contains("State:\tZ", StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return true;
        }
    }
}
