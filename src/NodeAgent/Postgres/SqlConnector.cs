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
        await connection.OpenAsync(cancellationToken);
        return await work(connection, cancellationToken);
    }
}
