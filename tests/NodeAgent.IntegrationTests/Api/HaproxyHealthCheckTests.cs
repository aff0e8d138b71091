using System.Diagnostics;
using System.Net;

namespace NodeAgent.IntegrationTests.Api;

/// <summary>The seed's HAProxy check (<c>option httpchk OPTIONS /master</c>) against two real API servers.</summary>
public sealed class HaproxyHealthCheckTests
{
    [Fact]
    public async Task Haproxy_marks_exactly_the_leader_up()
    {
        await using var leader = await ApiServerHarness.StartAsync("127.0.87.42", ApiSnapshots.Leader());
        await using var replica = await ApiServerHarness.StartAsync("127.0.87.43", ApiSnapshots.Replica());
        var frontend = IPAddress.Parse("127.0.87.41");
        var frontendPort = HaproxyProcess.FreePort(frontend);

        using var haproxy = HaproxyProcess.Start(socket => $"""
            global
                maxconn 100
                stats socket {socket} mode 600 level admin

            defaults
                mode tcp
                retries 2
                timeout client 30s
                timeout connect 2s
                timeout server 30s
                timeout check 2s

            listen primary
                bind {frontend}:{frontendPort}
                option httpchk OPTIONS /master
                http-check expect status 200
                default-server inter 200ms fall 1 rise 1 on-marked-down shutdown-sessions
                server u4 127.0.87.42:5432 maxconn 100 check port {leader.Endpoint.Port}
                server u5 127.0.87.43:5432 maxconn 100 check port {replica.Endpoint.Port}
            """);

        var deadline = Stopwatch.StartNew();
        (string Status, string Check) u4 = default, u5 = default;
        while (deadline.Elapsed < TimeSpan.FromSeconds(20) && !haproxy.HasExited)
        {
            if (File.Exists(haproxy.StatsSocket))
            {
                var rows = await haproxy.ShowStatAsync();
                u4 = Server(rows, "u4");
                u5 = Server(rows, "u5");
                if (u4 == ("UP", "L7OK") && u5 == ("DOWN", "L7STS"))
                {
                    break;
                }
            }

            await Task.Delay(100);
        }

        Assert.False(haproxy.HasExited, haproxy.Output);
        Assert.True(u4 == ("UP", "L7OK"), $"u4 {u4}: {haproxy.Output}");
        Assert.Equal(("DOWN", "L7STS"), u5);
    }

    private static (string Status, string Check) Server(IReadOnlyList<IReadOnlyDictionary<string, string>> rows, string name)
    {
        var row = rows.Single(r => r["pxname"] == "primary" && r["svname"] == name);
        return (row["status"], row["check_status"]);
    }
}
