namespace NodeAgent.IntegrationTests.Api;

/// <summary>What HAProxy sends: HTTP/1.0, no Host header, status line only read.</summary>
public sealed class RawHttpTests
{
    [Fact]
    public async Task Options_master_without_host_header_is_200_on_the_leader()
    {
        await using var api = await ApiServerHarness.StartAsync("127.0.87.11", ApiSnapshots.Leader());

        var response = await api.RawAsync("OPTIONS /master HTTP/1.0\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 200", response, StringComparison.Ordinal);
        Assert.EndsWith("\r\n\r\n", response, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Options_master_without_host_header_is_503_on_a_replica()
    {
        await using var api = await ApiServerHarness.StartAsync("127.0.87.12", ApiSnapshots.Replica());

        var master = await api.RawAsync("OPTIONS /master HTTP/1.0\r\n\r\n");
        var replica = await api.RawAsync("OPTIONS /replica HTTP/1.0\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 503", master, StringComparison.Ordinal);
        Assert.StartsWith("HTTP/1.1 200", replica, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Head_has_no_body_and_answer_follows_the_published_snapshot()
    {
        await using var api = await ApiServerHarness.StartAsync("127.0.87.13", ApiSnapshots.Leader());

        var before = await api.RawAsync("HEAD /primary HTTP/1.0\r\n\r\n");
        api.Board.Publish(ApiSnapshots.Leader() with { AcceptsWrites = false });
        var after = await api.RawAsync("HEAD /primary HTTP/1.0\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 200", before, StringComparison.Ordinal);
        Assert.Contains("Content-Length: 0", before, StringComparison.Ordinal);
        Assert.EndsWith("\r\n\r\n", before, StringComparison.Ordinal);
        Assert.StartsWith("HTTP/1.1 503", after, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Http10_keep_alive_serves_two_checks_on_one_connection()
    {
        await using var api = await ApiServerHarness.StartAsync("127.0.87.14", ApiSnapshots.Replica());

        var response = await api.RawAsync(
            "OPTIONS /replica HTTP/1.0\r\nConnection: keep-alive\r\n\r\n" +
            "OPTIONS /master HTTP/1.0\r\n\r\n");

        var statusLines = response.Split("\r\n").Where(l => l.StartsWith("HTTP/", StringComparison.Ordinal)).ToArray();
        Assert.Equal(["HTTP/1.1 200 OK", "HTTP/1.1 503 Service Unavailable"], statusLines);
    }

    [Fact]
    public async Task Unknown_path_is_404_and_wrong_method_is_405()
    {
        await using var api = await ApiServerHarness.StartAsync("127.0.87.15", ApiSnapshots.Leader());

        Assert.StartsWith("HTTP/1.1 404", await api.RawAsync("GET /masterful HTTP/1.0\r\n\r\n"), StringComparison.Ordinal);
        Assert.StartsWith("HTTP/1.1 405", await api.RawAsync("POST /master HTTP/1.0\r\nContent-Length: 0\r\n\r\n"), StringComparison.Ordinal);
    }
}
