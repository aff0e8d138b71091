using System.Collections.Concurrent;
using System.Diagnostics;
using Npgsql;

namespace NodeAgent.IntegrationTests.Cluster;

/// <summary>
/// A client behind HAProxy's primary port, as an application sees it: one connection, an INSERT every 20 ms, a new
/// connection after any error. Counts read-only errors apart from other failures and records when each write was
/// acknowledged and by which server, so a test can measure the client window around a switchover.
/// </summary>
public sealed class ProxyWriter : IAsyncDisposable
{
    public const string CreateTable = "CREATE TABLE IF NOT EXISTS proxied (n bigint PRIMARY KEY, server inet)";
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(20);
    private readonly string _connectionString;
    private readonly ConcurrentQueue<(TimeSpan At, string Server, long N)> _acked = new();
    private readonly ConcurrentDictionary<string, int> _errors = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Task _loop;
    private long _next;
    private int _readOnly;
    private int _failed;
    private int _disposed;

    private ProxyWriter(string host, int port)
    {
        _connectionString = new NpgsqlConnectionStringBuilder
        {
            Host = host,
            Port = port,
            Username = "postgres",
            Password = AgentNode.Password,
            Database = "postgres",
            Timeout = 5,
            CommandTimeout = 5,
            Pooling = false,
            GssEncryptionMode = GssEncryptionMode.Disable,
        }.ConnectionString;
        _loop = Task.Run(LoopAsync);
    }

    public TimeSpan Now => _clock.Elapsed;

    /// <summary>Writes refused with "cannot execute INSERT in a read-only transaction" (SQLSTATE 25006).</summary>
    public int ReadOnlyErrors => _readOnly;

    /// <summary>All failed writes, the read-only ones included.</summary>
    public int FailedWrites => _failed;

    /// <summary>Each distinct error message with how often it was seen.</summary>
    public IReadOnlyDictionary<string, int> Errors => _errors;

    public static ProxyWriter Start(string host, int port) => new(host, port);

    /// <summary>The server that acknowledged the newest write, if any.</summary>
    public string? LastServer => _acked.LastOrDefault().Server;

    /// <summary>When <paramref name="server"/> first acknowledged a write at or after <paramref name="moment"/>.</summary>
    public TimeSpan? FirstAckSince(TimeSpan moment, string server) =>
        _acked.Where(a => a.At >= moment && a.Server == server).Select(a => (TimeSpan?)a.At).FirstOrDefault();

    public int AckedSince(TimeSpan moment, string server) => _acked.Count(a => a.At >= moment && a.Server == server);

    /// <summary>The longest time without an acknowledged write after <paramref name="from"/>: the client window.</summary>
    public TimeSpan LongestGapAfter(TimeSpan from)
    {
        var times = _acked.Select(a => a.At).Where(t => t >= from).Order().ToList();
        return times.Zip(times.Skip(1), (a, b) => b - a).DefaultIfEmpty(TimeSpan.Zero).Max();
    }

    /// <summary>Every row whose INSERT returned: each must be on the primary at the end.</summary>
    public IReadOnlyList<long> AckedRows() => [.. _acked.Select(a => a.N)];

    public int AckedCount => _acked.Count;

    /// <summary>
    /// The longest time without an acknowledged write in [<paramref name="from"/>, <paramref name="to"/>], counted from the
    /// last write acknowledged before <paramref name="from"/>: the client window of a step that began at <paramref name="from"/>.
    /// </summary>
    public TimeSpan LongestGapBetween(TimeSpan from, TimeSpan to)
    {
        var all = _acked.Select(a => a.At).Order().ToList();
        var times = all.Where(t => t < from).TakeLast(1).Concat(all.Where(t => t >= from && t <= to)).Append(to).ToList();
        return times.Zip(times.Skip(1), (a, b) => b - a).DefaultIfEmpty(TimeSpan.Zero).Max();
    }

    /// <summary>Stops the writer; a second call (an explicit stop before <c>await using</c> ends) does nothing.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _stop.CancelAsync();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
        }
        _stop.Dispose();
    }

    private async Task LoopAsync()
    {
        var token = _stop.Token;
        NpgsqlConnection? connection = null;
        while (!token.IsCancellationRequested)
        {
            try
            {
                if (connection is null)
                {
                    connection = new NpgsqlConnection(_connectionString);
                    await connection.OpenAsync(token).WaitAsync(TimeSpan.FromSeconds(10), token);
                }
                await using var command = new NpgsqlCommand("INSERT INTO proxied VALUES ($1, inet_server_addr()) RETURNING host(server)", connection);
                var n = Interlocked.Increment(ref _next);
                command.Parameters.AddWithValue(n);
                var server = (string)(await command.ExecuteScalarAsync(token).WaitAsync(TimeSpan.FromSeconds(10), token))!;
                _acked.Enqueue((_clock.Elapsed, server, n));
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException or IOException)
            {
                Interlocked.Increment(ref _failed);
                if (ex is PostgresException { SqlState: PostgresErrorCodes.ReadOnlySqlTransaction })
                {
                    Interlocked.Increment(ref _readOnly);
                }
                _errors.AddOrUpdate(ex.Message, 1, (_, n) => n + 1);
                if (connection is not null)
                {
                    await connection.DisposeAsync();
                    connection = null;
                }
            }
            await Task.Delay(Interval, token);
        }
        if (connection is not null)
        {
            await connection.DisposeAsync();
        }
    }
}
