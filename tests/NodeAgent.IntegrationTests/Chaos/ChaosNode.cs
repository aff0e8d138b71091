using System.Globalization;
using Npgsql;
using NodeAgent.IntegrationTests.Cluster;
using NodeAgent.IntegrationTests.Fixtures;

namespace NodeAgent.IntegrationTests.Chaos;

/// <summary>
/// One database node of the lab: the real agent (<c>dotnet node-agent.dll CONFIG</c>) inside the node's
/// namespace, owning its postgres (run as user postgres). The test watches postgres through its unix
/// socket, which is a file and so crosses namespaces without touching the lab network.
/// </summary>
public sealed class ChaosNode : IAsyncDisposable
{
    public const int PostgresPort = 5432;
    public const int RestApiPort = 8008;
    public const string Password = "secret";
    private ChildProcess? _agent;

    internal ChaosNode(NetnsHost host, string root, string scope, string etcdHosts, string cidr)
    {
        Host = host;
        Root = root;
        Directory.CreateDirectory(root);
        Directory.CreateDirectory(SocketDir);
        File.WriteAllText(ConfigPath, ChaosAgentConfig.Render(this, scope, etcdHosts, cidr));
    }

    public NetnsHost Host { get; }

    public string Name => Host.Name;

    public string Address => Host.Address;

    public string Root { get; }

    public string DataDir => Path.Combine(Root, "data");

    public string SocketDir => Path.Combine(Root, "run");

    public string ConfigPath => Path.Combine(Root, "config.yml");

    public string LogPath => Path.Combine(Root, "agent.log");

    public bool IsRunning => _agent is { HasExited: false };

    public void Start()
    {
        if (IsRunning)
        {
            throw new InvalidOperationException($"agent {Name} is already running");
        }
        RequiredBinary.Require(AgentNode.AgentDll, "(build tests/NodeAgent.IntegrationTests)");
        _agent?.Dispose();
        Note($"starting agent {Name}");
        _agent = Host.Start(DotnetHost.Path, [AgentNode.AgentDll, ConfigPath], LogPath, psi =>
        {
            foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("PATRONI", StringComparison.Ordinal) || k.StartsWith("PG", StringComparison.Ordinal)).ToList())
            {
                psi.Environment.Remove(key);
            }
        });
    }

    /// <summary>SIGSTOP the agent alone: its postgres and fence process keep running.</summary>
    public void Freeze()
    {
        Note("SIGSTOP agent");
        _agent?.Signal(Signals.SigStop);
    }

    public void Thaw()
    {
        Note("SIGCONT agent");
        _agent?.Signal(Signals.SigCont);
    }

    /// <summary>SIGKILL the agent and the postmaster at once (a crashed machine, minus the network).</summary>
    public async Task KillWithPostgresAsync()
    {
        Note("SIGKILL agent and postmaster");
        var postmaster = PostmasterPid();
        if (_agent is { HasExited: false } agent)
        {
            Signals.Send(agent.Pid, Signals.SigKill);
        }
        if (postmaster is { } pid)
        {
            Signals.Send(pid, Signals.SigKill);
        }
        if (_agent is not null)
        {
            await _agent.WaitForExitAsync(TimeSpan.FromSeconds(10));
        }
        await Poll.UntilAsync(() => PostgresPids().Count == 0 || KillLeftovers(), TimeSpan.FromSeconds(15), $"postgres of {Name} to die");
    }

    /// <summary>
    /// Test-side repair, as an operator's reinit would do: stop the agent, kill postgres, delete the data
    /// dir and start the agent again so it clones from the leader.
    /// </summary>
    public async Task RecloneAsync()
    {
        Note("test repair: stop, wipe data dir, restart (re-clone)");
        if (_agent is not null)
        {
            await _agent.StopAsync(TimeSpan.FromSeconds(30));
        }
        await Poll.UntilAsync(() => PostgresPids().Count == 0 || KillLeftovers(), TimeSpan.FromSeconds(15), $"postgres of {Name} to die");
        Directory.Delete(DataDir, recursive: true);
        Start();
    }

    /// <summary>A connection over the unix socket (initdb's local trust), bounded from outside.</summary>
    public async Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken = default)
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder
        {
            Host = SocketDir,
            Port = PostgresPort,
            Username = "postgres",
            Database = "postgres",
            Timeout = 2,
            CommandTimeout = 5,
            Pooling = false,
        }.ConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).WaitAsync(TimeSpan.FromSeconds(4), cancellationToken);
            return connection;
        }
        catch
        {
            _ = Task.Run(connection.Dispose, CancellationToken.None);
            throw;
        }
    }

    public async Task<object?> ScalarAsync(string sql, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync(cancellationToken).WaitAsync(TimeSpan.FromSeconds(6), cancellationToken);
    }

    public async Task<List<T>> ColumnAsync<T>(string sql, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 30 };
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var values = new List<T>();
        while (await reader.ReadAsync(cancellationToken))
        {
            values.Add(reader.GetFieldValue<T>(0));
        }
        return values;
    }

    public async Task<bool> IsPrimaryAsync(CancellationToken cancellationToken = default) =>
        !(bool)(await ScalarAsync("SELECT pg_is_in_recovery()", cancellationToken))!;

    /// <summary>application_name of every walsender in state streaming.</summary>
    public Task<List<string>> StreamingReplicasAsync(CancellationToken cancellationToken = default) =>
        ColumnAsync<string>("SELECT application_name FROM pg_stat_replication WHERE state = 'streaming'", cancellationToken);

    /// <summary>sender_host of this node's WAL receiver while streaming, else null.</summary>
    public async Task<string?> StreamingFromAsync(CancellationToken cancellationToken = default) =>
        await ScalarAsync("SELECT sender_host FROM pg_stat_wal_receiver WHERE status = 'streaming'", cancellationToken) as string;

    /// <summary>True once this replica's WAL receiver got at least <paramref name="lsn"/>.</summary>
    public async Task<bool> HasReceivedAsync(string lsn, CancellationToken cancellationToken = default) =>
        await ScalarAsync($"SELECT coalesce(pg_last_wal_receive_lsn() >= '{lsn}'::pg_lsn, false)", cancellationToken) is true;

    public string LogTail(int lines = 40) => ChildProcess.ReadTail(LogPath, lines);

    public void Note(string what) =>
        File.AppendAllText(LogPath, $"==== test: {what} at {DateTime.Now:HH:mm:ss.fff}\n");

    public int? PostmasterPid()
    {
        try
        {
            var first = File.ReadLines(Path.Combine(DataDir, "postmaster.pid")).FirstOrDefault();
            return int.TryParse(first, NumberStyles.Integer, CultureInfo.InvariantCulture, out var pid) && PostgresPids().Contains(pid) ? pid : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Every live process whose command line names our data dir.</summary>
    public IReadOnlyList<int> PostgresPids()
    {
        var pids = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.Integer, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }
            try
            {
                var cmdline = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                if (cmdline.Contains(DataDir, StringComparison.Ordinal) && cmdline.Contains("postgres", StringComparison.Ordinal))
                {
                    pids.Add(pid);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Exited while we looked.
            }
        }
        return pids;
    }

    public async ValueTask DisposeAsync()
    {
        if (_agent is not null)
        {
            await _agent.DisposeAsync();
            _agent = null;
        }
        try
        {
            await Poll.UntilAsync(() => PostgresPids().Count == 0 || KillLeftovers(), TimeSpan.FromSeconds(15), $"postgres of {Name} to be gone");
        }
        catch (TimeoutException)
        {
            // The cluster reports survivors.
        }
    }

    private bool KillLeftovers()
    {
        foreach (var pid in PostgresPids())
        {
            Signals.Send(pid, Signals.SigKill);
        }
        return false;
    }
}
