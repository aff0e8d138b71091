using System.Net;
using System.Net.Sockets;
using System.Text;

namespace NodeAgent.IntegrationTests.Fixtures;

/// <summary>
/// A minimal HTTP/1.x responder on a loopback address, standing in for a node's REST API behind
/// HAProxy. Each request is answered by <see cref="Respond"/> (method, path) and the connection closed.
/// It speaks just enough HTTP for HAProxy checks and curl-like clients.
/// </summary>
public sealed class TinyHttpServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private int _requests;

    private TinyHttpServer(TcpListener listener, string address, int port)
    {
        _listener = listener;
        Address = address;
        Port = port;
        _loop = AcceptLoopAsync();
    }

    public string Address { get; }

    public int Port { get; }

    /// <summary>Number of requests answered so far.</summary>
    public int Requests => Volatile.Read(ref _requests);

    /// <summary>Chooses the status code for (method, path); 200 for everything by default. May be swapped any time.</summary>
    public Func<string, string, int> Respond { get; set; } = (_, _) => 200;

    /// <summary>Starts on <paramref name="address"/> (a new loopback address if null) and a free port.</summary>
    public static TinyHttpServer Start(string? address = null)
    {
        address ??= LoopbackAddresses.Next();
        var listener = new TcpListener(IPAddress.Parse(address), LoopbackAddresses.FreePort(address));
        listener.Start();
        return new TinyHttpServer(listener, address, ((IPEndPoint)listener.LocalEndpoint).Port);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
            // Expected on stop.
        }
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
            {
                return;
            }
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                timeout.CancelAfter(TimeSpan.FromSeconds(5));
                using var reader = new StreamReader(stream, Encoding.ASCII, leaveOpen: true);
                var requestLine = await reader.ReadLineAsync(timeout.Token);
                if (string.IsNullOrEmpty(requestLine))
                {
                    return;
                }
                // Drain headers so the client sees a clean close.
                while (!string.IsNullOrEmpty(await reader.ReadLineAsync(timeout.Token)))
                {
                }
                var parts = requestLine.Split(' ');
                var status = Respond(parts[0], parts.Length > 1 ? parts[1] : "/");
                Interlocked.Increment(ref _requests);
                var body = $"{{\"status\":{status}}}";
                var response = $"HTTP/1.0 {status} X\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n{body}";
                await stream.WriteAsync(Encoding.ASCII.GetBytes(response), timeout.Token);
            }
            catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException)
            {
                // A client that hangs up early is not our problem.
            }
        }
    }
}
