using Npgsql;

namespace NodeAgent.ChaosClient;

/// <summary>
/// One reused connection to one endpoint. Every attempt is bounded from outside (Npgsql overruns its own
/// timeouts on a hung server); after any failure the connection is dropped in the background and the next
/// attempt opens a fresh one.
/// </summary>
internal sealed class WriteSession(string host, int port, string password) : IDisposable
{
    private static readonly TimeSpan Budget = TimeSpan.FromMilliseconds(1500);
    private readonly string _connectionString = new NpgsqlConnectionStringBuilder
    {
        Host = host,
        Port = port,
        Username = "postgres",
        Password = password,
        Database = "postgres",
        Timeout = 1,
        // No server-side cancel: a commit cancelled while it waits for a synchronous standby is committed locally and
        // answered with a mere warning, which would count as acknowledged. The budget above bounds every attempt.
        CommandTimeout = 0,
        Pooling = false,
        GssEncryptionMode = GssEncryptionMode.Disable,
        KeepAlive = 1,
    }.ConnectionString;

    private NpgsqlConnection? _connection;

    /// <summary>
    /// Runs one INSERT; acknowledged only if the server acknowledged the commit within the budget. The result
    /// is the statement's first column (a RETURNING clause), if any.
    /// </summary>
    public async Task<(bool Acked, object? Result, string? Error)> ExecuteAsync(string sql, object[] parameters, CancellationToken cancellationToken)
    {
        try
        {
            var result = await RunAsync(sql, parameters, cancellationToken).WaitAsync(Budget, cancellationToken);
            return (true, result, null);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            Drop();
            return (false, null, $"{ex.GetType().Name}: {ex.Message}");
        }
    }

    public void Dispose() => Drop();

    private async Task<object?> RunAsync(string sql, object[] parameters, CancellationToken cancellationToken)
    {
        if (_connection is null)
        {
            var connection = new NpgsqlConnection(_connectionString);
            _connection = connection;
            await connection.OpenAsync(cancellationToken);
        }
        await using var command = new NpgsqlCommand(sql, _connection);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }
        return await command.ExecuteScalarAsync(cancellationToken);
    }

    private void Drop()
    {
        var connection = _connection;
        _connection = null;
        if (connection is not null)
        {
            // Closing may hang on a frozen or unreachable server: never let it hold up the next write.
            _ = Task.Run(connection.Dispose);
        }
    }
}
