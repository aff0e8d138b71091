using Npgsql;

namespace NodeAgent.Postgres;

/// <summary>
/// Opens superuser connections over the unix socket and runs work under a hard deadline. Npgsql overruns its own
/// timeouts on a frozen server (pitfalls.md), so each call is bounded from outside with WaitAsync and the
/// connection is abandoned (disposed in the background) when the budget passes.
/// </summary>
internal sealed class SqlConnector
{
    private readonly Func<string> _connectionString;

    public SqlConnector(Func<string> connectionString)
    {
        _connectionString = connectionString;
    }

    public static string BuildConnectionString(string socketDir, int port, string user, string? password, string database, int commandTimeoutSeconds)
    {
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = socketDir,
            Port = port,
            Username = user,
            Password = password,
            Database = database,
            Timeout = 2,
            CommandTimeout = commandTimeoutSeconds,
            Pooling = false,
            ApplicationName = "node-agent",
        };
        return builder.ConnectionString;
    }

    private readonly Lock _gate = new();

    // The read-only queries of every cycle share one connection across cycles, as Patroni keeps its own: a fresh
    // connection per query cost the leader three connects and password authentications per cycle.
    private (NpgsqlConnection Connection, string ConnectionString)? _kept;

    /// <summary>
    /// Runs an idempotent read-only <paramref name="work"/> on the connection kept from the last such call, or a fresh one.
    /// A kept connection that broke meanwhile (postgres restarted) is replaced and the work tried once more on a fresh
    /// connection; a timeout abandons the connection as <see cref="RunAsync{T}"/> does.
    /// </summary>
    public async Task<T> RunReadAsync<T>(Func<NpgsqlConnection, CancellationToken, Task<T>> work, TimeSpan budget, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        var connectionString = _connectionString();
        NpgsqlConnection? kept = null;
        lock (_gate)
        {
            if (_kept is { } k)
            {
                _kept = null;
                if (k.ConnectionString == connectionString && k.Connection.State == System.Data.ConnectionState.Open)
                {
                    kept = k.Connection;
                }
                else
                {
                    k.Connection.Dispose();
                }
            }
        }

        if (kept is not null)
        {
            var started = Environment.TickCount64;
            try
            {
                return Keep(await RunOnAsync(kept, work, budget, cancellationToken), kept, connectionString);
            }
            catch (NpgsqlException e) when (Broken(e) && !cancellationToken.IsCancellationRequested)
            {
                // Broken since its last use: one more try on a fresh connection within what is left of the budget.
                budget -= TimeSpan.FromMilliseconds(Environment.TickCount64 - started);
                if (budget <= TimeSpan.Zero)
                {
                    throw new TimeoutException($"postgres did not answer within the budget", e);
                }
            }
        }

        var fresh = new NpgsqlConnection(connectionString);
        return Keep(await RunOnAsync(fresh, work, budget, cancellationToken), fresh, connectionString);
    }

    /// <summary>The connection died under the query (socket closed, or its backend terminated: SQLSTATE class 57P), not the query.</summary>
    private static bool Broken(NpgsqlException e) =>
        e is PostgresException pe ? pe.SqlState.StartsWith("57P", StringComparison.Ordinal) : e.InnerException is not TimeoutException;

    /// <summary>Closes the kept connection, if any; the next read opens a fresh one.</summary>
    public void CloseKept()
    {
        NpgsqlConnection? kept;
        lock (_gate)
        {
            kept = _kept?.Connection;
            _kept = null;
        }

        kept?.Dispose();
    }

    private T Keep<T>(T result, NpgsqlConnection connection, string connectionString)
    {
        lock (_gate)
        {
            if (_kept is null)
            {
                _kept = (connection, connectionString);
                return result;
            }
        }

        // Another read ran meanwhile and kept its own.
        connection.Dispose();
        return result;
    }

    /// <summary>Runs <paramref name="work"/> on <paramref name="connection"/> (opened if needed) within <paramref name="budget"/>; disposes it on failure.</summary>
    private static async Task<T> RunOnAsync<T>(NpgsqlConnection connection, Func<NpgsqlConnection, CancellationToken, Task<T>> work, TimeSpan budget, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var task = RunOnAsync(connection, work, cts.Token);
        try
        {
            return await task.WaitAsync(budget, cancellationToken);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            await cts.CancelAsync();
            _ = task.ContinueWith(_ => connection.Dispose(), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
            throw new TimeoutException($"postgres did not answer within {budget.TotalSeconds} s", ex);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs <paramref name="work"/> on a fresh connection; throws TimeoutException when <paramref name="budget"/> passes.</summary>
    public async Task<T> RunAsync<T>(Func<NpgsqlConnection, CancellationToken, Task<T>> work, TimeSpan budget, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        var connection = new NpgsqlConnection(_connectionString());
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var task = RunOnAsync(connection, work, cts.Token);
        try
        {
            var result = await task.WaitAsync(budget, cancellationToken);
            await connection.DisposeAsync();
            return result;
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            await cts.CancelAsync();
            // Abandon: the stuck call may take long to notice; dispose once it returns, without waiting here.
            _ = task.ContinueWith(_ => connection.Dispose(), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
            throw new TimeoutException($"postgres did not answer within {budget.TotalSeconds} s", ex);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    private static async Task<T> RunOnAsync<T>(NpgsqlConnection connection, Func<NpgsqlConnection, CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        if (connection.State != System.Data.ConnectionState.Open)
        {
            await connection.OpenAsync(cancellationToken);
        }

        return await work(connection, cancellationToken);
    }
}
