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
    // connection per query cost the leader three connects and password authentications per cycle. Reloads counts the
    // agent's reloads of postgres; a kept connection remembers the count from before it was opened.
    private (NpgsqlConnection Connection, string ConnectionString, long Reloads)? _kept;
    private long _reloads;

    /// <summary>
    /// The agent sent postgres SIGHUP. A backend re-reads the files only once the postmaster passed the signal on, so a
    /// connection opened before may still answer with the settings from before (see <see cref="RunReadAsync{T}"/>).
    /// </summary>
    public void NoteReloaded() => Interlocked.Increment(ref _reloads);

    /// <summary>
    /// Runs an idempotent read-only <paramref name="work"/> on the connection kept from the last such call, or a fresh one.
    /// A kept connection that broke meanwhile (postgres restarted) is replaced and the work tried once more on a fresh
    /// connection; a timeout abandons the connection as <see cref="RunAsync{T}"/> does.
    /// </summary>
    /// <param name="stale">
    /// Whether a result read on a connection opened before the agent's last reload shows settings from before it (its
    /// backend had not processed the SIGHUP yet). Such a result is read again on a fresh connection, which then is kept:
    /// a backend forked after the postmaster got the signal reads the new files. At most once per reload.
    /// </param>
    public async Task<T> RunReadAsync<T>(Func<NpgsqlConnection, CancellationToken, Task<T>> work, TimeSpan budget, CancellationToken cancellationToken, Func<T, bool>? stale = null)
    {
        ArgumentNullException.ThrowIfNull(work);
        var connectionString = _connectionString();
        (NpgsqlConnection Connection, long Reloads)? kept = null;
        lock (_gate)
        {
            if (_kept is { } k)
            {
                _kept = null;
                if (k.ConnectionString == connectionString && k.Connection.State == System.Data.ConnectionState.Open)
                {
                    kept = (k.Connection, k.Reloads);
                }
                else
                {
                    k.Connection.Dispose();
                }
            }
        }

        var started = Environment.TickCount64;
        if (kept is { } old)
        {
            try
            {
                var result = await RunOnAsync(old.Connection, work, budget, cancellationToken);
                if (stale is null || old.Reloads == Volatile.Read(ref _reloads) || !stale(result))
                {
                    return Keep(result, old.Connection, connectionString, old.Reloads);
                }

                await old.Connection.DisposeAsync();
            }
            catch (NpgsqlException e) when (Broken(e) && !cancellationToken.IsCancellationRequested)
            {
                // Broken since its last use: one more try on a fresh connection within what is left of the budget.
            }

            budget -= TimeSpan.FromMilliseconds(Environment.TickCount64 - started);
            if (budget <= TimeSpan.Zero)
            {
                throw new TimeoutException($"postgres did not answer within the budget");
            }
        }

        var reloads = Volatile.Read(ref _reloads);
        var fresh = NpgsqlSources.Connection(connectionString);
        return Keep(await RunOnAsync(fresh, work, budget, cancellationToken), fresh, connectionString, reloads);
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

    private T Keep<T>(T result, NpgsqlConnection connection, string connectionString, long reloads)
    {
        lock (_gate)
        {
            if (_kept is null)
            {
                _kept = (connection, connectionString, reloads);
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
        var connection = NpgsqlSources.Connection(_connectionString());
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
