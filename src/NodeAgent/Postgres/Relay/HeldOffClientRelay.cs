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

    // Postgres' own limit on a startup packet (MAX_STARTUP_PACKET_LENGTH): a client sending more before it is relayed
    // is no postgres client.
    private const int MaxEarlyBytes = 10_000;

    // Beyond this many clients at once the rest are closed at once: the agent's descriptors serve etcd and the REST API too.
    private const int MaxClients = 200;
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(2);

    private readonly IReadOnlyList<Socket> _listeners;
    private readonly string _endpoints;
    private readonly ConcurrentDictionary<Socket, byte> _open = new();
    private readonly CancellationTokenSource _closed = new();
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private TaskCompletionSource<RelayTarget> _ready = NewReady();
    private RelayTarget? _target;
    private long _relayed;
    private int _waiting;
    private int _accepted;
    private int _clients;
    private int _disposed;
    private RelayTarget? _connectFailedTo;

    private HeldOffClientRelay(IReadOnlyList<Socket> listeners, ILogger logger)
    {
        _listeners = listeners;
        _endpoints = string.Join(", ", listeners.Select(l => l.LocalEndPoint));
        _logger = logger;
    }

    /// <summary>Connections relayed to a primary so far.</summary>
    public long Relayed => Interlocked.Read(ref _relayed);

    /// <summary>Clients held until a primary is named.</summary>
    public int Waiting => Volatile.Read(ref _waiting);

    /// <summary>The addresses it listens on (or listened on).</summary>
    public string Endpoints => _endpoints;

    /// <summary>Stopped listening: disposed, or its time is up.</summary>
    public bool IsClosed => _closed.IsCancellationRequested;

    /// <summary>
    /// Listens on each endpoint it can bind, until <paramref name="closeAfter"/> has passed or it is disposed, whichever
    /// comes first; null when it could bind none (the clients are then refused).
    /// </summary>
    public static HeldOffClientRelay? Open(IReadOnlyList<IPEndPoint> endpoints, TimeSpan closeAfter, ILogger logger)
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

        // The hold-off ends on time even when nothing else closes the relay (postgres kept stopped, a long re-clone).
        var deadline = new Timer(static r => ((HeldOffClientRelay)r!).Dispose(), relay, closeAfter, Timeout.InfiniteTimeSpan);
        relay._closed.Token.Register(static d => ((Timer)d!).Dispose(), deadline);
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
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
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
                    // Refused from now on rather than left to hang in the backlog of a listener nobody accepts from.
                    LogAcceptFailed(_logger, e.Message);
                    listener.Dispose();
                }

                return;
            }

            if (Interlocked.Increment(ref _accepted) == 1)
            {
                LogFirstClient(_logger, _endpoints);
            }

            if (Interlocked.Increment(ref _clients) > MaxClients)
            {
                Interlocked.Decrement(ref _clients);
                client.Dispose();
                continue;
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
                    if (n == 0 || early.Length + n > MaxEarlyBytes)
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
                try
                {
                    await upstream.ConnectAsync(target.Host, target.Port, connect.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (e is SocketException or OperationCanceledException && !ct.IsCancellationRequested)
                {
                    ObserveLater(read);
                    if (Interlocked.Exchange(ref _connectFailedTo, target) != target)
                    {
                        LogConnectFailed(_logger, target.Member, target.Host, target.Port, e.Message);
                    }

                    return;
                }
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

            Interlocked.Decrement(ref _clients);
        }
    }

    // A read left pending when the relay gives up on a client ends with the socket's close; its outcome is not needed.
    private static void ObserveLater(Task<int> read) =>
        _ = read.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);

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

    [LoggerMessage(EventId = 2406, Level = LogLevel.Warning, Message = "cannot relay held-off clients to {Member} ({Host}:{Port}): {Reason}; they are closed")]
    private static partial void LogConnectFailed(ILogger logger, string member, string host, int port, string reason);

    [LoggerMessage(EventId = 2404, Level = LogLevel.Warning, Message = "cannot take held-off clients on {Endpoint}: {Reason}; they are refused there")]
    private static partial void LogBindFailed(ILogger logger, string endpoint, string reason);

    [LoggerMessage(EventId = 2405, Level = LogLevel.Warning, Message = "held-off clients: accepting failed ({Reason}); the rest are refused")]
    private static partial void LogAcceptFailed(ILogger logger, string reason);
}
