using System.Collections.Concurrent;
using System.Diagnostics;
using Npgsql;

namespace NodeAgent.IntegrationTests.Cluster;

/// <summary>
/// A background client inserting one row every 50 ms into <c>acked(n)</c> on whichever node is the
/// leader (the leader key, like a client behind HAProxy's primary port), reconnecting on any error. Only
/// rows whose INSERT returned (the commit was acknowledged) are recorded, with when they were acknowledged.
/// </summary>
public sealed class AckedWriter : IAsyncDisposable
{
    public const string CreateTable = "CREATE TABLE IF NOT EXISTS acked (n bigint PRIMARY KEY)";
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(50);
    private readonly AgentCluster _cluster;
    private readonly ConcurrentDictionary<long, TimeSpan> _acked = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Task _loop;
    private long _next;
    private int _failures;

    private AckedWriter(AgentCluster cluster)
    {
        _cluster = cluster;
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>Time since the writer started: compare with <see cref="AckedBefore"/>.</summary>
    public TimeSpan Now => _clock.Elapsed;

    public int Failures => _failures;

    public int AckedCount => _acked.Count;

    /// <summary>Creates the table on <paramref name="leader"/> and starts writing.</summary>
    public static async Task<AckedWriter> StartAsync(AgentCluster cluster, AgentNode leader)
    {
        await leader.ScalarAsync(CreateTable);
        return new AckedWriter(cluster);
    }

    /// <summary>Rows acknowledged before <paramref name="moment"/> (writer time).</summary>
    public IReadOnlyList<long> AckedBefore(TimeSpan moment) => [.. _acked.Where(kv => kv.Value < moment).Select(kv => kv.Key).Order()];

    public IReadOnlyList<long> AllAcked() => [.. _acked.Keys.Order()];

    /// <summary>Waits until at least <paramref name="count"/> more rows are acknowledged (the writer reached the current leader).</summary>
    public async Task WaitForMoreAsync(int count, TimeSpan timeout)
    {
        var target = _acked.Count + count;
        await Fixtures.Poll.UntilAsync(() => Task.FromResult(_acked.Count >= target), timeout, $"{count} more acknowledged rows");
    }

    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>The acknowledged rows missing from <paramref name="node"/>'s acked table.</summary>
    public static async Task<IReadOnlyList<long>> MissingOnAsync(AgentNode node, IEnumerable<long> rows)
    {
        await using var connection = await node.OpenConnectionAsync();
        await using var command = new NpgsqlCommand("SELECT n FROM acked", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var present = new HashSet<long>();
        while (await reader.ReadAsync())
        {
            present.Add(reader.GetInt64(0));
        }
        return [.. rows.Where(r => !present.Contains(r))];
    }

    private async Task LoopAsync()
    {
        var token = _stop.Token;
        NpgsqlConnection? connection = null;
        while (!token.IsCancellationRequested)
        {
            try
            {
                connection ??= await ConnectToLeaderAsync(token);
                var n = Interlocked.Increment(ref _next);
                await using (var command = new NpgsqlCommand("INSERT INTO acked VALUES ($1)", connection))
                {
                    command.Parameters.AddWithValue(n);
                    await command.ExecuteNonQueryAsync(token).WaitAsync(TimeSpan.FromSeconds(5), token);
                }
                _acked[n] = _clock.Elapsed;
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException or System.Net.Sockets.SocketException or IOException)
            {
                Interlocked.Increment(ref _failures);
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

    private async Task<NpgsqlConnection> ConnectToLeaderAsync(CancellationToken token)
    {
        var name = await _cluster.LeaderNameAsync(token);
        var node = _cluster.Nodes.FirstOrDefault(n => n.Name == name)
            ?? throw new InvalidOperationException("no leader");
        var connection = await node.OpenConnectionAsync(token);
        await using var check = new NpgsqlCommand("SELECT pg_is_in_recovery()", connection);
        if ((bool)(await check.ExecuteScalarAsync(token))!)
        {
            await connection.DisposeAsync();
            throw new InvalidOperationException($"{name} is read-only");
        }
        return connection;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
    }
}
