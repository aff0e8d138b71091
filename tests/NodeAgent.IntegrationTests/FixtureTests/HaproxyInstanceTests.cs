using System.Globalization;
using System.Net.Http;
using NodeAgent.IntegrationTests.Fixtures;

namespace NodeAgent.IntegrationTests.FixtureTests;

public sealed class HaproxyInstanceTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Health_check_goes_up_and_down_with_the_backend_and_requests_are_proxied()
    {
        await using var backend = TinyHttpServer.Start();
        backend.Respond = (method, path) => method == "OPTIONS" && path == "/master" ? 200 : path == "/data" ? 200 : 503;
        var bind = LoopbackAddresses.Next();
        var frontPort = LoopbackAddresses.FreePort(bind);
        var config = string.Create(CultureInfo.InvariantCulture, $"""
            global
                maxconn 50
            defaults
                mode http
                timeout connect 2s
                timeout client 10s
                timeout server 10s
                timeout check 2s
            listen front
                bind {bind}:{frontPort}
                option httpchk OPTIONS /master
                http-check expect status 200
                default-server inter 200ms fall 2 rise 1
                server b1 {backend.Address}:{backend.Port} check
            """);
        await using var haproxy = await HaproxyInstance.StartAsync(config);
        Assert.True(haproxy.Pid > 0);

        await Poll.UntilAsync(async () => await haproxy.ServerStatusAsync("front", "b1") == "UP", Timeout, "b1 UP");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var proxied = await http.GetAsync(new Uri($"http://{bind}:{frontPort}/data"));
        Assert.Equal(200, (int)proxied.StatusCode);

        backend.Respond = (_, _) => 503;
        await Poll.UntilAsync(async () => (await haproxy.ServerStatusAsync("front", "b1"))?.StartsWith("DOWN", StringComparison.Ordinal) == true, Timeout, "b1 DOWN");
    }

    [Fact]
    public async Task Seed_config_renders_to_loopback_and_haproxy_accepts_it()
    {
        var bind = LoopbackAddresses.Next();
        var nodes = Enumerable.Range(1, 3).Select(i =>
        {
            var address = LoopbackAddresses.Next();
            return new HaproxyNode($"n{i}", address, LoopbackAddresses.FreePort(address), LoopbackAddresses.FreePort(address));
        }).ToList();

        var config = SeedHaproxyConfig.Render(
            bind, LoopbackAddresses.FreePort(bind), LoopbackAddresses.FreePort(bind), LoopbackAddresses.FreePort(bind), nodes, "500ms");

        Assert.DoesNotContain("192.168", config, StringComparison.Ordinal);
        Assert.DoesNotContain("*:", config, StringComparison.Ordinal);
        Assert.Contains($"server n2 {nodes[1].Address}:{nodes[1].PostgresPort} maxconn 100 check port {nodes[1].RestApiPort}", config, StringComparison.Ordinal);
        Assert.Contains("inter 500ms fall 3 rise 2", config, StringComparison.Ordinal);
        await using var haproxy = await HaproxyInstance.StartAsync(config);
        // No REST API listens yet: every server must be reported DOWN by the seed's check rules.
        await Poll.UntilAsync(async () => (await haproxy.ServerStatusAsync("primary", "n1"))?.StartsWith("DOWN", StringComparison.Ordinal) == true, Timeout, "n1 DOWN in primary");
    }
}
