using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace NodeAgent.Postgres.Relay;

/// <summary>
/// While a node demoted by a switchover is held off (<see cref="ClientHoldoff"/>), HAProxy keeps sending it new clients
/// until its checks mark it down. Refused, each costs its client HAProxy's retries (about a second); relayed, it writes.
/// The agent listens on postgres' own TCP addresses and relays each client, byte for byte, to the new primary once the
/// DCS shows it running as primary; the client authenticates with the new primary itself (TLS included). A client that
/// gives up before then is never connected through. Closing the relay closes every connection it carries, so it never
/// outlives the hold-off.
/// </summary>
internal sealed partial class HeldOffClientRelay : IDisposable
{
    private const int BufferSize = 16 * 1024;
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(2);

    private readonly IReadOnlyList<Socket> _listeners;
    private readonly ConcurrentDictionary<Socket, byte> _open = new();
    private readonly CancellationTokenSource _closed = new();
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private TaskCompletionSource<RelayTarget> _ready = NewReady();
    private RelayTarget? _target;
    private long _relayed;
    private int _waiting;
    private int _accepted;

    private HeldOffClientRelay(IReadOnlyList<Socket> listeners, ILogger logger)
    {
        _listeners = listeners;
        _logger = logger;
    }

    /// <summary>Connections relayed to a primary so far.</summary>
    public long Relayed => Interlocked.Read(ref _relayed);

    /// <summary>Clients held until a primary is named.</summary>
    public int Waiting => Volatile.Read(ref _waiting);

    /// <summary>The addresses it listens on.</summary>
    public IReadOnlyList<EndPoint> Endpoints => [.. _listeners.Select(l => l.LocalEndPoint!)];

    /// <summary>Listens on each endpoint it can bind; null when it could bind none (the clients are then refused).</summary>
    public static HeldOffClientRelay? Open(IReadOnlyList<IPEndPoint> endpoints, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(logger);
        var listeners = new List<Socket>();
        foreach (var endpoint in endpoints)
        {
            var listener = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                // As postgres' own sockets: a port left in TIME_WAIT by the stop can be bound again, IPv6 apart from IPv4.
                listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
                if (endpoint.AddressFamily == AddressFamily.InterNetworkV6)
                {
                    listener.DualMode = false;
                }

                listener.Bind(endpoint);
                listener.Listen(128);
                listeners.Add(listener);
            }
            catch (SocketException e)
            {
                listener.Dispose();
                LogBindFailed(logger, endpoint.ToString(), e.Message);
            }
        }

        if (listeners.Count == 0)
        {
            return null;
        }

        var relay = new HeldOffClientRelay(listeners, logger);
        foreach (var listener in listeners)
        {
            _ = relay.AcceptAsync(listener);
        }

        return relay;
    }

    /// <summary>The primary to relay to from now on; null: hold new clients until there is one.</summary>
    public void SetTarget(RelayTarget? target)
    {
        lock (_gate)
        {
            if (target == _target)
            {
                return;
            }

            _target = target;
            if (_ready.Task.IsCompleted)
            {
                _ready = NewReady();
            }

            if (target is not null)
            {
                _ready.TrySetResult(target);
                LogTarget(_logger, target.Member, target.Host, target.Port);
            }
        }
    }

    /// <summary>Stops listening and closes every connection it carries.</summary>
    public void Dispose()
    {
        if (_closed.IsCancellationRequested)
        {
            return;
        }

        _closed.Cancel();
        foreach (var listener in _listeners)
        {
            listener.Dispose();
        }

        foreach (var socket in _open.Keys)
        {
            socket.Dispose();
        }

        // Quiet when no client came (a routing push took this node out of HAProxy first).
        if (Volatile.Read(ref _accepted) > 0)
        {
            LogClosed(_logger, Relayed, _target?.Member ?? "-");
        }
    }

    private Task<RelayTarget> Ready
    {
        get
        {
            lock (_gate)
            {
                return _ready.Task;
            }
        }
    }

    private static TaskCompletionSource<RelayTarget> NewReady() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private async Task AcceptAsync(Socket listener)
    {
        while (true)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(_closed.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                if (!_closed.IsCancellationRequested)
                {
                    LogAcceptFailed(_logger, e.Message);
                }

                return;
            }

            if (Interlocked.Increment(ref _accepted) == 1)
            {
                LogFirstClient(_logger, string.Join(", ", Endpoints));
            }

            _ = RelayAsync(client);
        }
    }

    private async Task RelayAsync(Socket client)
    {
        var ct = _closed.Token;
        Track(client);
        Socket? upstream = null;
        try
        {
            client.NoDelay = true;
            var buffer = new byte[BufferSize];
            using var early = new MemoryStream();
            // The client speaks first (a startup packet or an SSL request) and then waits for an answer, so a read that
            // ends before the target is known is a client that gave up: it is never connected through.
            var read = client.ReceiveAsync(buffer, SocketFlags.None, ct).AsTask();
            RelayTarget target;
            Interlocked.Increment(ref _waiting);
            try
            {
                while (true)
                {
                    var ready = Ready;
                    if (await Task.WhenAny(read, ready).ConfigureAwait(false) == ready)
                    {
                        target = await ready.ConfigureAwait(false);
                        break;
                    }

                    var n = await read.ConfigureAwait(false);
                    if (n == 0)
                    {
                        return;
                    }

                    early.Write(buffer, 0, n);
                    read = client.ReceiveAsync(buffer, SocketFlags.None, ct).AsTask();
                }
            }
            finally
            {
                Interlocked.Decrement(ref _waiting);
            }

            upstream = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            Track(upstream);
            using (var connect = CancellationTokenSource.CreateLinkedTokenSource(ct))
            {
                connect.CancelAfter(ConnectTimeout);
                await upstream.ConnectAsync(target.Host, target.Port, connect.Token).ConfigureAwait(false);
            }

            await using var toUpstream = new NetworkStream(upstream, ownsSocket: false);
            await using var toClient = new NetworkStream(client, ownsSocket: false);
            await toUpstream.WriteAsync(early.GetBuffer().AsMemory(0, (int)early.Length), ct).ConfigureAwait(false);
            Interlocked.Increment(ref _relayed);
            var up = PumpAsync(client, toUpstream, buffer, read, ct);
            var downBuffer = new byte[BufferSize];
            var down = PumpAsync(upstream, toClient, downBuffer, upstream.ReceiveAsync(downBuffer, SocketFlags.None, ct).AsTask(), ct);
            await Task.WhenAny(up, down).ConfigureAwait(false);
            Close(client);
            Close(upstream);
            await Task.WhenAll(up, down).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException or ObjectDisposedException)
        {
            // The client, the primary or the end of the hold-off closed the connection: each side sees it closed.
        }
        finally
        {
            Close(client);
            if (upstream is not null)
            {
                Close(upstream);
            }
        }
    }

    // Bytes from one side to the other until it closes; `pending` is the read already under way.
    private static async Task PumpAsync(Socket from, NetworkStream to, byte[] buffer, Task<int> pending, CancellationToken ct)
    {
        var n = await pending.ConfigureAwait(false);
        while (n > 0)
        {
            await to.WriteAsync(buffer.AsMemory(0, n), ct).ConfigureAwait(false);
            n = await from.ReceiveAsync(buffer, SocketFlags.None, ct).ConfigureAwait(false);
        }
    }

    private void Track(Socket socket)
    {
        _open.TryAdd(socket, 0);
        if (_closed.IsCancellationRequested)
        {
            socket.Dispose();
        }
    }

    private void Close(Socket socket)
    {
        _open.TryRemove(socket, out _);
        socket.Dispose();
    }

    [LoggerMessage(EventId = 2401, Level = LogLevel.Information,
        Message = "held-off clients: a proxy still sends TCP clients to {Endpoints}; the agent takes them and relays them to the new primary once it runs")]
    private static partial void LogFirstClient(ILogger logger, string endpoints);

    [LoggerMessage(EventId = 2402, Level = LogLevel.Information, Message = "held-off clients are relayed to the new primary {Member} ({Host}:{Port})")]
    private static partial void LogTarget(ILogger logger, string member, string host, int port);

    [LoggerMessage(EventId = 2403, Level = LogLevel.Information, Message = "stopped relaying held-off clients: {Count} connections relayed to {Member}, the rest closed")]
    private static partial void LogClosed(ILogger logger, long count, string member);

    [LoggerMessage(EventId = 2404, Level = LogLevel.Warning, Message = "cannot take held-off clients on {Endpoint}: {Reason}; they are refused there")]
    private static partial void LogBindFailed(ILogger logger, string endpoint, string reason);

    [LoggerMessage(EventId = 2405, Level = LogLevel.Warning, Message = "held-off clients: accepting failed ({Reason}); the rest are refused")]
    private static partial void LogAcceptFailed(ILogger logger, string reason);
}
