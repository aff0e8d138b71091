using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using NodeAgent.Postgres.Relay;

namespace NodeAgent.Tests.Postgres.Relay;

/// <summary>
/// The relay on real loopback sockets: a stand-in primary that answers each message with "ack:" and the message, a client
/// that speaks first as a postgres client does.
/// </summary>
public sealed class HeldOffClientRelayTests : IAsyncDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private readonly AckServer _primary = new();

    public async ValueTask DisposeAsync() => await _primary.DisposeAsync();

    [Fact]
    public async Task A_client_waits_until_a_primary_is_named_then_talks_to_it_both_ways()
    {
        using var relay = OpenRelay();
        using var client = await ConnectAsync(relay);
        await client.SendAsync(Encoding.ASCII.GetBytes("startup"));

        // Held: no primary named yet, nothing reaches one and nothing comes back.
        var answer = ReadAsync(client, "ack:startup".Length);
        Assert.True(await Eventually.HoldsAsync(() => relay.Waiting == 1, Patience), "the client is not held");
        Assert.False(answer.IsCompleted);
        Assert.Equal(0, _primary.Accepted);

        relay.SetTarget(_primary.Target);
        Assert.Equal("ack:startup", await answer.WaitAsync(Patience));
        await client.SendAsync(Encoding.ASCII.GetBytes("query"));
        Assert.Equal("ack:query", await ReadAsync(client, "ack:query".Length).WaitAsync(Patience));
        Assert.Equal(1, relay.Relayed);
    }

    [Fact]
    public async Task A_client_that_gives_up_before_a_primary_is_named_is_never_connected_through()
    {
        using var relay = OpenRelay();
        using (var client = await ConnectAsync(relay))
        {
            await client.SendAsync(Encoding.ASCII.GetBytes("startup"));
            Assert.True(await Eventually.HoldsAsync(() => relay.Waiting == 1, Patience), "the first client is not held");
        }

        Assert.True(await Eventually.HoldsAsync(() => relay.Waiting == 0, Patience), "the relay still holds a client that left");
        using var later = await ConnectAsync(relay);
        await later.SendAsync(Encoding.ASCII.GetBytes("second"));
        Assert.True(await Eventually.HoldsAsync(() => relay.Waiting == 1, Patience), "the second client is not held");
        relay.SetTarget(_primary.Target);
        Assert.Equal("ack:second", await ReadAsync(later, "ack:second".Length).WaitAsync(Patience));
        Assert.Equal(1, _primary.Accepted);
        Assert.Equal(1, relay.Relayed);
    }

    [Fact]
    public async Task Closing_the_relay_closes_what_it_carries_and_frees_the_address_for_postgres()
    {
        var relay = OpenRelay();
        var endpoint = relay.ListenEndpoint();
        relay.SetTarget(_primary.Target);
        using var client = await ConnectAsync(relay);
        await client.SendAsync(Encoding.ASCII.GetBytes("startup"));
        Assert.Equal("ack:startup", await ReadAsync(client, "ack:startup".Length).WaitAsync(Patience));

        relay.Dispose();
        Assert.Equal(0, await ReceiveOrResetAsync(client).WaitAsync(Patience));
        Assert.True(await Eventually.HoldsAsync(() => _primary.Closed == 1, Patience), "the primary's side was not closed");
        using var postgres = new Socket(SocketType.Stream, ProtocolType.Tcp);
        postgres.Bind(endpoint);
    }

    [Fact]
    public void An_address_it_cannot_bind_leaves_no_relay()
    {
        using var taken = new Socket(SocketType.Stream, ProtocolType.Tcp);
        taken.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        taken.Listen();
        Assert.Null(HeldOffClientRelay.Open([(IPEndPoint)taken.LocalEndPoint!], TimeSpan.FromMinutes(1), NullLogger.Instance));
    }

    [Fact]
    public async Task At_the_end_of_its_time_it_stops_listening_and_closes_what_it_carries()
    {
        using var relay = HeldOffClientRelay.Open([new IPEndPoint(IPAddress.Loopback, 0)], TimeSpan.FromSeconds(1), NullLogger.Instance)!;
        var endpoint = relay.ListenEndpoint();
        relay.SetTarget(_primary.Target);
        using var client = await ConnectAsync(relay);
        await client.SendAsync(Encoding.ASCII.GetBytes("startup"));
        Assert.Equal("ack:startup", await ReadAsync(client, "ack:startup".Length).WaitAsync(Patience));

        Assert.Equal(0, await ReceiveOrResetAsync(client).WaitAsync(Patience));
        Assert.True(relay.IsClosed);
        using var late = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await Assert.ThrowsAsync<SocketException>(async () => await late.ConnectAsync(endpoint));
    }

    [Fact]
    public async Task A_client_sending_more_than_a_startup_packet_before_it_is_relayed_is_closed()
    {
        using var relay = OpenRelay();
        using var client = await ConnectAsync(relay);
        try
        {
            await client.SendAsync(new byte[20_000]).WaitAsync(Patience);
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.Shutdown)
        {
            // Closed before the last bytes went out.
        }

        Assert.Equal(0, await ReceiveOrResetAsync(client).WaitAsync(Patience));
        relay.SetTarget(_primary.Target);
        Assert.Equal(0, _primary.Accepted);
    }

    [Fact]
    public async Task A_primary_it_cannot_reach_closes_the_client_instead_of_leaving_it_hanging()
    {
        using var relay = OpenRelay();
        using var closed = new Socket(SocketType.Stream, ProtocolType.Tcp);
        closed.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        relay.SetTarget(new RelayTarget("u6", "127.0.0.1", ((IPEndPoint)closed.LocalEndPoint!).Port));
        using var client = new Socket(SocketType.Stream, ProtocolType.Tcp);
        try
        {
            // With the target known the relay tries it at once, so its close can even beat the end of our connect.
            await client.ConnectAsync(relay.ListenEndpoint()).WaitAsync(Patience);
            await client.SendAsync(Encoding.ASCII.GetBytes("startup")).WaitAsync(Patience);
            Assert.Equal(0, await ReceiveOrResetAsync(client).WaitAsync(Patience));
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Shutdown)
        {
        }
    }

    [Fact]
    public async Task A_primary_named_again_after_none_gets_the_new_clients()
    {
        using var relay = OpenRelay();
        await using var second = new AckServer();
        relay.SetTarget(_primary.Target);
        relay.SetTarget(null);
        relay.SetTarget(second.Target);
        using var client = await ConnectAsync(relay);
        await client.SendAsync(Encoding.ASCII.GetBytes("startup"));
        Assert.Equal("ack:startup", await ReadAsync(client, "ack:startup".Length).WaitAsync(Patience));
        Assert.Equal(0, _primary.Accepted);
        Assert.Equal(1, second.Accepted);
    }

    private static HeldOffClientRelay OpenRelay() =>
        HeldOffClientRelay.Open([new IPEndPoint(IPAddress.Loopback, 0)], TimeSpan.FromMinutes(1), NullLogger.Instance)
            ?? throw new InvalidOperationException("no relay");

    private static async Task<Socket> ConnectAsync(HeldOffClientRelay relay)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(relay.ListenEndpoint());
        return socket;
    }

    private static async Task<string> ReadAsync(Socket socket, int length)
    {
        var buffer = new byte[length];
        var read = 0;
        while (read < length)
        {
            var n = await socket.ReceiveAsync(buffer.AsMemory(read));
            if (n == 0)
            {
                throw new IOException("closed");
            }

            read += n;
        }

        return Encoding.ASCII.GetString(buffer);
    }

    private static async Task<int> ReceiveOrResetAsync(Socket socket)
    {
        try
        {
            return await socket.ReceiveAsync(new byte[16]);
        }
        catch (SocketException)
        {
            return 0;
        }
    }

    /// <summary>Answers every message it reads with "ack:" and the message; counts connections accepted and closed.</summary>
    private sealed class AckServer : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _accepting;
        private int _accepted;
        private int _closed;

        public AckServer()
        {
            _listener.Start();
            _accepting = AcceptAsync();
        }

        public RelayTarget Target => new("u5", "127.0.0.1", ((IPEndPoint)_listener.LocalEndpoint).Port);

        public int Accepted => Volatile.Read(ref _accepted);

        public int Closed => Volatile.Read(ref _closed);

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            try
            {
                await _accepting;
            }
            catch (OperationCanceledException)
            {
            }

            _stop.Dispose();
        }

        private async Task AcceptAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                var socket = await _listener.AcceptSocketAsync(_stop.Token);
                Interlocked.Increment(ref _accepted);
                _ = ServeAsync(socket);
            }
        }

        private async Task ServeAsync(Socket socket)
        {
            using (socket)
            {
                var buffer = new byte[1024];
                try
                {
                    int n;
                    while ((n = await socket.ReceiveAsync(buffer, _stop.Token)) > 0)
                    {
                        await socket.SendAsync(Encoding.ASCII.GetBytes("ack:" + Encoding.ASCII.GetString(buffer, 0, n)), _stop.Token);
                    }
                }
                catch (Exception e) when (e is SocketException or OperationCanceledException)
                {
                }
            }

            Interlocked.Increment(ref _closed);
        }
    }
}

internal static class HeldOffClientRelayTestExtensions
{
    /// <summary>The one address a test relay listens on ("127.0.0.1:PORT").</summary>
    public static IPEndPoint ListenEndpoint(this HeldOffClientRelay relay) => IPEndPoint.Parse(relay.Endpoints);
}
