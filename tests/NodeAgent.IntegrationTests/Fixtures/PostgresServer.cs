using System.Globalization;
using Npgsql;

namespace NodeAgent.IntegrationTests.Fixtures;

/// <summary>
/// A throw-away PostgreSQL 15 server: initdb in a temp dir owned by postgres, listening on a
/// loopback address and free port, socket in the temp dir, password (SCRAM) auth for the superuser.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private readonly TempDirectory _root;

    private PostgresServer(TempDirectory root, string address, int port, string password)
    {
        _root = root;
        Address = address;
        Port = port;
        Password = password;
    }

    public string Address { get; }

    public int Port { get; }

    public string Superuser { get; } = PostgresUser.Name;

    public string Password { get; }

    public string DataDir => _root.Combine("data");

    public string SocketDir => _root.Path;

    public string LogPath => _root.Combine("postgres.log");

    public int? Pid => Process?.Pid;

    public ChildProcess? Process { get; private set; }

    /// <summary>TCP connection string for the superuser; no pooling so dispose leaves no idle sockets.</summary>
    public string ConnectionString => new NpgsqlConnectionStringBuilder
    {
        Host = Address,
        Port = Port,
        Username = Superuser,
        Password = Password,
        Database = "postgres",
        Timeout = 2,
        CommandTimeout = 5,
        Pooling = false,
        GssEncryptionMode = GssEncryptionMode.Disable,
    }.ConnectionString;

    public static Task<PostgresServer> StartAsync(CancellationToken cancellationToken = default) =>
        StartAsync([], cancellationToken);

    /// <summary>initdb + start; <paramref name="extraSettings"/> are postgresql.conf lines appended last.</summary>
    public static async Task<PostgresServer> StartAsync(
        IReadOnlyList<string> extraSettings, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(extraSettings);
        var initdb = RequiredBinary.RequirePostgres("initdb");
        RequiredBinary.RequirePostgres("postgres");
        var address = LoopbackAddresses.Next();
        var server = new PostgresServer(
            new TempDirectory("pg"), address, LoopbackAddresses.FreePort(address), Guid.NewGuid().ToString("N"));
        try
        {
            await server.InitAsync(initdb, extraSettings, cancellationToken);
            server.Launch();
            await server.WaitReadyAsync(cancellationToken);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Opens a new connection (the caller disposes it).</summary>
    public async Task<NpgsqlConnection> OpenConnectionAsync(CancellationToken cancellationToken = default)
    {
        var connection = new NpgsqlConnection(ConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>Immediate shutdown (SIGQUIT), SIGKILL of the tree if it lingers; then the temp dir goes.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Process is { } process)
        {
            await process.StopAsync(TimeSpan.FromSeconds(10), Signals.SigQuit);
            await process.DisposeAsync();
            Process = null;
        }
        _root.Dispose();
    }

    private async Task InitAsync(string initdb, IReadOnlyList<string> extraSettings, CancellationToken cancellationToken)
    {
        var pwfile = _root.Combine("pwfile");
        await File.WriteAllTextAsync(pwfile, Password + "\n", cancellationToken);
        await PostgresUser.ChownToPostgresAsync(_root.Path, cancellationToken);
        await PostgresUser.RunAsPostgresAsync(
            initdb,
            ["-D", DataDir, "-U", Superuser, $"--pwfile={pwfile}", "--auth-local=trust", "--auth-host=scram-sha-256",
             "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions"],
            cancellationToken);
        File.Delete(pwfile);
        // initdb's default hba only admits 127.0.0.1; our servers live anywhere in 127/8.
        await File.WriteAllTextAsync(
            Path.Combine(DataDir, "pg_hba.conf"),
            "local all all trust\nhost all all 127.0.0.0/8 scram-sha-256\nhost replication all 127.0.0.0/8 scram-sha-256\n",
            cancellationToken);
        string[] settings =
        [
            $"listen_addresses = '{Address}'",
            $"port = {Port.ToString(CultureInfo.InvariantCulture)}",
            $"unix_socket_directories = '{SocketDir}'",
            // Durability is worthless for a throw-away server and fsync is slow on shared disks.
            "fsync = off",
            "synchronous_commit = off",
            "full_page_writes = off",
            "shared_buffers = 16MB",
            "max_connections = 30",
            "logging_collector = off",
            .. extraSettings,
        ];
        await File.AppendAllTextAsync(
            Path.Combine(DataDir, "postgresql.conf"), "\n" + string.Join('\n', settings) + "\n", cancellationToken);
        await PostgresUser.ChownToPostgresAsync(_root.Path, cancellationToken);
    }

    private void Launch()
    {
        File.WriteAllText(LogPath, string.Empty);
        Process = ChildProcess.Start(
            RequiredBinary.RequirePostgres("postgres"),
            ["-D", DataDir],
            LogPath,
            psi => PostgresUser.Configure(psi, _root.Path));
    }

    private async Task WaitReadyAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Poll.UntilAsync(
                async () =>
                {
                    if (Process is not { HasExited: false })
                    {
                        throw new InvalidOperationException($"postgres exited with {Process?.ExitCode}");
                    }
                    await using var connection = await OpenConnectionAsync(cancellationToken);
                    await using var command = new NpgsqlCommand("SELECT 1", connection);
                    return (int?)await command.ExecuteScalarAsync(cancellationToken) == 1;
                },
                StartTimeout,
                $"postgres on {Address}:{Port} to accept connections",
                cancellationToken);
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message}\n--- postgres log tail:\n{ChildProcess.ReadTail(LogPath, 20)}", ex);
        }
    }
}
