using System.Net;
using System.Net.Sockets;
using System.Text;
using NodeAgent.Api;
using NodeAgent.Api.Status;

namespace NodeAgent.IntegrationTests.Api;

/// <summary>A real <see cref="RestApiServer"/> on a loopback address and a kernel-chosen port.</summary>
internal sealed class ApiServerHarness : IAsyncDisposable
{
    private ApiServerHarness(RestApiServer server, StatusBoard board, FakeCommandSink sink)
    {
        Server = server;
        Board = board;
        Sink = sink;
    }

    public RestApiServer Server { get; }
    public StatusBoard Board { get; }
    public FakeCommandSink Sink { get; }
    public IPEndPoint Endpoint => Server.RestEndpoints[0];
    public Uri BaseAddress => new($"http://{Endpoint}");

    public static async Task<ApiServerHarness> StartAsync(string address, StatusSnapshot snapshot, Func<RestApiOptions, RestApiOptions>? configure = null)
    {
        var board = new StatusBoard();
        board.Publish(snapshot);
        var sink = new FakeCommandSink();
        var options = new RestApiOptions($"{address}:0");
        var server = new RestApiServer(configure?.Invoke(options) ?? options, board, sink);
        await server.StartAsync(CancellationToken.None);
        return new ApiServerHarness(server, board, sink);
    }

    /// <summary>Sends raw bytes and reads until the server closes (HTTP/1.0 without keep-alive).</summary>
    public async Task<string> RawAsync(string request)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(Endpoint);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var reader = new StreamReader(stream, Encoding.ASCII);
        return await reader.ReadToEndAsync(timeout.Token);
    }

    public ValueTask DisposeAsync() => Server.DisposeAsync();
}
