using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using NodeAgent.IntegrationTests.Fixtures;

namespace NodeAgent.IntegrationTests.Ctl;

/// <summary>One request the fake member API received.</summary>
public sealed record RecordedRequest(string Method, string Path, string Body, string? Authorization);

/// <summary>
/// A member's REST API stand-in for agentctl tests: records every request (with body and auth header)
/// and answers with the status and text chosen by <see cref="Respond"/>.
/// </summary>
public sealed class RecordingApi : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private int _disposed;

    private RecordingApi(TcpListener listener, string address, int port)
    {
        _listener = listener;
        Address = address;
        Port = port;
        _loop = AcceptLoopAsync();
    }

    public string Address { get; }
    public int Port { get; }
    public string ApiUrl => $"http://{Address}:{Port}/patroni";
    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();
    public Func<RecordedRequest, (int Status, string Body)> Respond { get; set; } = _ => (200, "OK");

    public static RecordingApi Start()
    {
        var address = LoopbackAddresses.Next();
        var listener = new TcpListener(IPAddress.Parse(address), LoopbackAddresses.FreePort(address));
        listener.Start();
        return new RecordingApi(listener, address, ((IPEndPoint)listener.LocalEndpoint).Port);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

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
                timeout.CancelAfter(TimeSpan.FromSeconds(10));
                var head = await ReadHeadAsync(stream, timeout.Token);
                var lines = head.Split("\r\n");
                var parts = lines[0].Split(' ');
                var headers = lines.Skip(1).Where(l => l.Contains(':')).ToDictionary(
                    l => l[..l.IndexOf(':')].Trim().ToLowerInvariant(), l => l[(l.IndexOf(':') + 1)..].Trim());
                var length = headers.TryGetValue("content-length", out var cl) ? int.Parse(cl) : 0;
                var body = new byte[length];
                await stream.ReadExactlyAsync(body, timeout.Token);
                var request = new RecordedRequest(parts[0], parts[1], Encoding.UTF8.GetString(body), headers.GetValueOrDefault("authorization"));
                Requests.Enqueue(request);
                var (status, text) = Respond(request);
                var payload = Encoding.UTF8.GetBytes(text);
                var response = $"HTTP/1.0 {status} X\r\nContent-Type: text/plain\r\nContent-Length: {payload.Length}\r\nConnection: close\r\n\r\n";
                await stream.WriteAsync(Encoding.ASCII.GetBytes(response).Concat(payload).ToArray(), timeout.Token);
            }
            catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or EndOfStreamException)
            {
                // A client that hangs up early is not our problem.
            }
        }
    }

    private static async Task<string> ReadHeadAsync(NetworkStream stream, CancellationToken ct)
    {
        var buffer = new List<byte>();
        var one = new byte[1];
        while (true)
        {
            if (await stream.ReadAsync(one, ct) == 0)
            {
                throw new EndOfStreamException();
            }
            buffer.Add(one[0]);
            if (buffer.Count >= 4 && buffer[^4] == '\r' && buffer[^3] == '\n' && buffer[^2] == '\r' && buffer[^1] == '\n')
            {
                return Encoding.ASCII.GetString(buffer.ToArray(), 0, buffer.Count - 4);
            }
        }
    }
}
