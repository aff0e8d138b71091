using System.Globalization;
using System.Runtime.InteropServices;
using Npgsql;

namespace NodeAgent.Bench;

/// <summary>The application under failover: one insert per tick through HAProxy, a fresh connection after any
/// failure, and a line per acknowledged (committed and answered) write. Only those count as promised to a user.
/// A commit whose wait for a synchronous standby was cancelled (the command timeout sends a cancel; PostgreSQL then
/// answers success with a WARNING that it may not be replicated) is no promise: it goes to "&lt;log&gt;.unreplicated".</summary>
internal static class WriteCommand
{
    private const string CreateTable =
        "CREATE TABLE IF NOT EXISTS bench_writes (id bigint PRIMARY KEY, at timestamptz NOT NULL DEFAULT now())";

    public static async Task<int> RunAsync(Options options)
    {
        var (host, port) = Connections.Parse(options.Text("target"));
        var connectionString = Connections.For(host, port);
        var interval = TimeSpan.FromMilliseconds(options.Long("interval-ms", 20));
        // At full rate (interval 1 ms) a failed attempt waits this long, so a failover is not met by a storm of connects.
        var retryPause = TimeSpan.FromMilliseconds(options.Long("retry-ms", 0));
        using var stop = new CancellationTokenSource();
        using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx => { ctx.Cancel = true; stop.Cancel(); });
        using var onInt = PosixSignalRegistration.Create(PosixSignal.SIGINT, ctx => { ctx.Cancel = true; stop.Cancel(); });

        await using var log = new StreamWriter(options.Text("log"), append: true) { AutoFlush = true };
        await using var unreplicated = new StreamWriter(options.Text("log") + ".unreplicated", append: true) { AutoFlush = true };
        var syncWaitCancelled = false;
        // Failed attempts, "<ms> <sqlstate or exception type> ...": 25006 is a write that reached a read-only server.
        var errorsPath = options.Text("errors", "");
        await using var errors = errorsPath.Length == 0 ? null : new StreamWriter(errorsPath, append: true) { AutoFlush = true };
        using var timer = new PeriodicTimer(interval);
        NpgsqlConnection? connection = null;
        long id = options.Long("start-id", 1), acked = 0, failed = 0;
        try
        {
            while (await timer.WaitForNextTickAsync(stop.Token))
            {
                var attemptStart = Clock.NowMs();
                try
                {
                    if (connection is null)
                    {
                        connection = await OpenAsync(connectionString, stop.Token);
                        connection.Notice += (_, e) => syncWaitCancelled |=
                            e.Notice.MessageText.StartsWith("canceling wait for synchronous replication", StringComparison.Ordinal);
                    }

                    syncWaitCancelled = false;
                    await InsertAsync(connection, id, stop.Token);
                    var line = string.Create(CultureInfo.InvariantCulture, $"{Clock.NowMs()} {id}");
                    if (syncWaitCancelled)
                    {
                        await unreplicated.WriteLineAsync(line);
                    }
                    else
                    {
                        await log.WriteLineAsync(line);
                        acked++;
                    }
                }
                catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException or IOException)
                {
                    failed++;
                    if (errors is not null)
                    {
                        // "<ms> <sqlstate or type> <attempt ms> <message>": how long the attempt took tells a refused connect
                        // (HAProxy's retries) from one that hung until its budget.
                        var kind = ex is PostgresException pe ? pe.SqlState : ex.GetType().Name;
                        var now = Clock.NowMs();
                        var message = ex.Message.ReplaceLineEndings(" ");
                        await errors.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{now} {kind} {now - attemptStart} {message}"));
                    }

                    if (connection is not null)
                    {
                        await connection.DisposeAsync();
                        connection = null;
                    }

                    if (retryPause > TimeSpan.Zero)
                    {
                        await Task.Delay(retryPause, stop.Token);
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
