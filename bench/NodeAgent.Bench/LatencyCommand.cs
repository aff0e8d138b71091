using System.Globalization;
using System.Runtime.InteropServices;
using Npgsql;

namespace NodeAgent.Bench;

/// <summary>
/// A steady write load through HAProxy for latency: each client updates a random pgbench_accounts row on a fixed
/// schedule (one per interval), autocommit, and logs "&lt;end ms&gt; &lt;latency µs&gt;" per committed write. As
/// pgbench --rate does, the latency counts from the scheduled start, so a stall also shows in the writes it held
/// back (no coordinated omission). Runs until SIGTERM.
/// </summary>
internal static class LatencyCommand
{
    public static async Task<int> RunAsync(Options options)
    {
        var (host, port) = Connections.Parse(options.Text("target"));
        var connectionString = Connections.For(host, port);
        var clients = (int)options.Long("clients", 4);
        var interval = TimeSpan.FromMilliseconds(options.Long("interval-ms", 40));
        var accounts = options.Long("accounts");
        using var stop = new CancellationTokenSource();
        using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx => { ctx.Cancel = true; stop.Cancel(); });
        using var onInt = PosixSignalRegistration.Create(PosixSignal.SIGINT, ctx => { ctx.Cancel = true; stop.Cancel(); });

        await using var log = new StreamWriter(options.Text("log"), append: true) { AutoFlush = true };
        using var gate = new SemaphoreSlim(1, 1);
        var failed = 0L;
        var tasks = Enumerable.Range(0, clients).Select(async client =>
        {
            var random = new Random(client);
            NpgsqlConnection? connection = null;
            // Clients start spread over one interval, so the load is even.
            var scheduled = DateTimeOffset.UtcNow + (interval * client / clients);
            try
            {
                while (!stop.IsCancellationRequested)
                {
                    var wait = scheduled - DateTimeOffset.UtcNow;
                    if (wait > TimeSpan.Zero)
                    {
                        await Task.Delay(wait, stop.Token);
                    }

                    try
                    {
                        connection ??= await OpenAsync(connectionString, stop.Token);
                        await using var update = new NpgsqlCommand("UPDATE pgbench_accounts SET abalance = abalance + 1 WHERE aid = $1", connection);
                        update.Parameters.Add(new NpgsqlParameter<long> { TypedValue = random.NextInt64(1, accounts + 1) });
                        await update.ExecuteNonQueryAsync(stop.Token).WaitAsync(Connections.AttemptBudget, stop.Token);
                        var end = DateTimeOffset.UtcNow;
                        var line = string.Create(CultureInfo.InvariantCulture, $"{end.ToUnixTimeMilliseconds()} {(long)(end - scheduled).TotalMicroseconds}");
                        await gate.WaitAsync(stop.Token);
                        try
                        {
                            await log.WriteLineAsync(line);
                        }
                        finally
                        {
                            gate.Release();
                        }
                    }
                    catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException or IOException)
                    {
                        Interlocked.Increment(ref failed);
                        if (connection is not null)
                        {
                            await connection.DisposeAsync();
                            connection = null;
                        }
                    }

                    scheduled += interval;
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
            }
            finally
            {
                if (connection is not null)
                {
                    await connection.DisposeAsync();
                }
            }
        }).ToList();
        await Task.WhenAll(tasks);
        await Console.Error.WriteLineAsync($"bench latency: {failed} failed attempts");
        return 0;
    }

    private static async Task<NpgsqlConnection> OpenAsync(string connectionString, CancellationToken ct)
    {
        var connection = new NpgsqlConnection(connectionString);
        try
        {
            await connection.OpenAsync(ct).WaitAsync(Connections.AttemptBudget, ct);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }
}
