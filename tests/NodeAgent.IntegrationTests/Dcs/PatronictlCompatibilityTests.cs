using System.Text.Json.Nodes;
using NodeAgent.Cluster;
using NodeAgent.IntegrationTests.Fixtures;

namespace NodeAgent.IntegrationTests.Dcs;

public sealed class PatronictlCompatibilityTests
{
    [Fact]
    public async Task Patronictl_lists_the_member_and_leader_written_by_Etcd3Dcs()
    {
        RequiredBinary.Require("/usr/bin/patronictl", "patroni");
        await using var cluster = await EtcdCluster.StartAsync(3);
        var scope = Etcd3DcsFactory.NewScope();
        await using var dcs = Etcd3DcsFactory.Create(cluster, scope, "pgnode1");
        await dcs.StartAsync(default);
        Assert.True(await dcs.InitializeAsync(true, "", default));
        Assert.False(await dcs.InitializeAsync(true, "", default));
        Assert.True(await dcs.InitializeAsync(false, "7212345678901234567", default));
        Assert.True(await dcs.SetConfigAsync(new JsonObject { ["ttl"] = 30, ["loop_wait"] = 10, ["retry_timeout"] = 10 }, null, default));
        await dcs.TouchMemberAsync(Etcd3DcsFactory.Member("127.0.0.1") with { Role = MemberRole.Primary, Timeline = 1 }, default);
        Assert.True(await dcs.AttemptToAcquireLeaderAsync(default));
        await dcs.WriteStatusAsync(50331648, default);

        using var dir = new TempDirectory("patronictl");
        var yaml = dir.Combine("patronictl.yml");
        await File.WriteAllTextAsync(yaml, $"scope: {scope}\nnamespace: /service\netcd3:\n  hosts: {string.Join(',', cluster.Endpoints)}\n");
        var output = await CommandRunner.RunAsync("/usr/bin/patronictl", ["-c", yaml, "list", "-f", "json"]);

        Assert.Contains("\"Member\": \"pgnode1\"", output, StringComparison.Ordinal);
        Assert.Contains("\"Role\": \"Leader\"", output, StringComparison.Ordinal);
        Assert.Contains("\"State\": \"running\"", output, StringComparison.Ordinal);
    }
}
