using System.Globalization;
using System.Runtime.InteropServices;
using Npgsql;

namespace NodeAgent.Bench;

/// <summary>The application under failover: one insert per tick through HAProxy, a fresh connection after any
/// failure, and a line per acknowledged (committed and answered) write. Only those count as promised to a user.</summary>
internal static class WriteCommand
{
    private const string CreateTable =
        "CREATE TABLE IF NOT EXISTS bench_writes (id bigint PRIMARY KEY, at timestamptz NOT NULL DEFAULT now())";

    public static async Task<int> RunAsync(Options options)
    {
        var (host, port) = Connections.Parse(options.Text("target"));
        var connectionString = Connections.For(host, port);
        var interval = TimeSpan.FromMilliseconds(options.Long("interval-ms", 20));
        using var stop = new CancellationTokenSource();
        using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx => { ctx.Cancel = true; stop.Cancel(); });
        using var onInt = PosixSignalRegistration.Create(PosixSignal.SIGINT, ctx => { ctx.Cancel = true; stop.Cancel(); });

        await using var log = new StreamWriter(options.Text("log"), append: true) { AutoFlush = true };
        // Failed attempts, "<ms> <sqlstate or exception type>": 25006 is a write that reached a read-only server.
        var errorsPath = options.Text("errors", "");
        await using var errors = errorsPath.Length == 0 ? null : new StreamWriter(errorsPath, append: true) { AutoFlush = true };
        using var timer = new PeriodicTimer(interval);
        NpgsqlConnection? connection = null;
        long id = options.Long("start-id", 1), acked = 0, failed = 0;
        try
        {
            while (await timer.WaitForNextTickAsync(stop.Token))
            {
                try
                {
                    connection ??= await OpenAsync(connectionString, stop.Token);
                    await InsertAsync(connection, id, stop.Token);
                    await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{Clock.NowMs()} {id}"));
                    acked++;
                }
                catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException or IOException)
                {
                    failed++;
                    if (errors is not null)
                    {
                        var kind = ex is PostgresException pe ? pe.SqlState : ex.GetType().Name;
                        await errors.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{Clock.NowMs()} {kind}"));
                    }

                    if (connection is not null)
                    {
                        await connection.DisposeAsync();
                        connection = null;
                    }
                }

                // A failed write may still have committed: never reuse its id.
                id++;
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

        await Console.Error.WriteLineAsync($"bench writer: {acked} acknowledged, {failed} failed attempts");
        return 0;
    }

    private static async Task<NpgsqlConnection> OpenAsync(string connectionString, CancellationToken ct)
    {
        var connection = new NpgsqlConnection(connectionString);
        try
        {
            await connection.OpenAsync(ct).WaitAsync(Connections.AttemptBudget, ct);
            await using var create = new NpgsqlCommand(CreateTable, connection);
            await create.ExecuteNonQueryAsync(ct).WaitAsync(Connections.AttemptBudget, ct);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    private static async Task InsertAsync(NpgsqlConnection connection, long id, CancellationToken ct)
    {
        await using var insert = new NpgsqlCommand("INSERT INTO bench_writes (id) VALUES ($1)", connection);
        insert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = id });
        await insert.ExecuteNonQueryAsync(ct).WaitAsync(Connections.AttemptBudget, ct);
    }
}
