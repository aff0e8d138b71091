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
    private readonly string _scope;
    private readonly string _etcdHosts;
    private readonly string _cidr;
    private ChildProcess? _agent;

    internal ChaosNode(NetnsHost host, string root, string scope, string etcdHosts, string cidr)
    {
        Host = host;
        Root = root;
        _scope = scope;
        _etcdHosts = etcdHosts;
        _cidr = cidr;
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

    /// <summary>The agent's own log: the config sets log.dir to this node's folder, so it writes there, not to stdout.</summary>
    public string AgentLogPath => Path.Combine(Root, "node-agent.log");

    public bool IsRunning => _agent is { HasExited: false };

    public void Start()
    {
        if (IsRunning)
        {
            throw new InvalidOperationException($"agent {Name} is already running");
        }
        // The binary that ships: the takeover times the suite measures include no JIT, and the lab's load is lower.
        var agent = NativeAgentBinary.Require();
        _agent?.Dispose();
        Note($"starting agent {Name}");
        _agent = Host.Start(agent, [ConfigPath], LogPath, psi =>
        {
            foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("PATRONI", StringComparison.Ordinal) || k.StartsWith("PG", StringComparison.Ordinal)).ToList())
            {
                psi.Environment.Remove(key);
            }
        });
    }

    /// <summary>
    /// Stops the agent (SIGTERM), rewrites its config with or without the routing push to <paramref name="haproxyRuntime"/>
    /// and starts it again. The caller pauses the cluster first, so the agent leaves postgres and the leader key alone.
    /// </summary>
    public async Task RestartAgentAsync(string? haproxyRuntime)
    {
        Note($"restarting agent {Name} with haproxy_runtime {haproxyRuntime ?? "off"}");
        if (_agent is not null)
        {
            await _agent.StopAsync(TimeSpan.FromSeconds(30));
        }
        await File.WriteAllTextAsync(ConfigPath, ChaosAgentConfig.Render(this, _scope, _etcdHosts, _cidr, haproxyRuntime));
        Start();
    }

    /// <summary>The node's processes: the agent, anything naming the data dir (fence, postmaster), and their descendants.</summary>
    public ProcessTree Processes => new(() => (_agent is { HasExited: false } agent ? [agent.Pid] : Array.Empty<int>()).Concat(DataDirPids()));

    /// <summary>SIGSTOP the agent alone (its postgres and fence keep running); returns its PID once /proc shows it stopped.</summary>
    public async Task<int> FreezeAgentAsync()
    {
        Note("SIGSTOP agent");
        var agent = _agent is { HasExited: false } a ? a : throw new InvalidOperationException($"agent {Name} is not running");
        agent.Signal(Signals.SigStop);
        await Poll.UntilAsync(() => ProcFs.Stat(agent.Pid)?.State == 'T', TimeSpan.FromSeconds(5), $"agent {Name} ({agent.Pid}) to be stopped (state T)");
        return agent.Pid;
    }

    public async Task ThawAgentAsync()
    {
        Note("SIGCONT agent");
        if (_agent is { HasExited: false } agent)
        {
            agent.Signal(Signals.SigCont);
            await Poll.UntilAsync(() => ProcFs.Stat(agent.Pid)?.State != 'T', TimeSpan.FromSeconds(5), $"agent {Name} ({agent.Pid}) to run again");
        }
    }

    /// <summary>SIGSTOP every process of the node (agent, fence, postmaster, backends); returns them once all are stopped.</summary>
    public async Task<IReadOnlyDictionary<int, string>> FreezeNodeAsync()
    {
        Note("SIGSTOP every process of the node");
        return await Processes.StopAllAsync();
    }

    public async Task ThawNodeAsync(IReadOnlyCollection<int> pids)
    {
        Note("SIGCONT every process of the node");
        await Processes.ContinueAllAsync([.. pids]);
    }

    /// <summary>
    /// Kills every process of the node at once, as a power cut does (a backend outliving its postmaster could
    /// otherwise still acknowledge commits); returns the killed processes once /proc shows them all gone.
    /// </summary>
    public async Task<IReadOnlyDictionary<int, string>> KillNodeAsync()
    {
        Note("SIGKILL every process of the node");
        var killed = await Processes.KillAllAsync();
        if (_agent is not null)
        {
            await _agent.WaitForExitAsync(TimeSpan.FromSeconds(10));
        }
        return killed;
    }

    /// <summary>What the processes were (PID -> command line when stopped), for the record: "agent, fence, postmaster, 7 postgres children".</summary>
    public string DescribeProcesses(IReadOnlyDictionary<int, string> processes)
    {
        var agent = processes.Values.Count(c => c.Contains("node-agent", StringComparison.Ordinal) && !c.Contains("--fence", StringComparison.Ordinal));
        var fence = processes.Values.Count(c => c.Contains("--fence", StringComparison.Ordinal));
        var postmaster = processes.Values.Count(c => c.Contains(DataDir, StringComparison.Ordinal) && c.Contains("bin/postgres", StringComparison.Ordinal));
        var parts = new List<string>();
        foreach (var (count, what) in new[] { (agent, "agent"), (fence, "fence"), (postmaster, "postmaster") }.Where(p => p.Item1 > 0))
        {
            parts.Add(count == 1 ? what : $"{count} x {what}");
        }
        parts.Add($"{processes.Count - agent - fence - postmaster} postgres children");
        return $"{processes.Count} processes ({string.Join(", ", parts)})";
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

    /// <summary>
    /// One INSERT over the unix socket (never through the network or HAProxy). Refused: postgres answered with
    /// an error (read-only, shutting down) or is not there; no answer: it did not reply in time (frozen).
    /// </summary>
    public async Task<WriteProbe> ProbeWriteAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await ScalarAsync("INSERT INTO chaos_probe DEFAULT VALUES", cancellationToken);
            return WriteProbe.Accepted;
        }
        catch (Exception ex) when (ex is PostgresException or NpgsqlException { InnerException: System.Net.Sockets.SocketException })
        {
            return WriteProbe.Refused;
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            return WriteProbe.NoAnswer;
        }
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

    /// <summary>The agent's own log (the config's <c>log.dir</c> is <see cref="Root"/>) and then its stdout/stderr with the test's markers.</summary>
    public string LogTail(int lines = 40) =>
        $"{ChildProcess.ReadTail(AgentLogPath, lines)}\n--- stdout/stderr:\n{ChildProcess.ReadTail(LogPath, 10)}";

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

    /// <summary>Every live process whose command line names our data dir (postmaster, fence, pg_rewind, ...).</summary>
    private IEnumerable<int> DataDirPids() =>
        ProcFs.All().Where(p => !p.IsDead && ProcFs.CommandLine(p.Pid).Contains(DataDir, StringComparison.Ordinal)).Select(p => p.Pid);

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
        try
        {
            // Also what a failed test left stopped (a frozen tree would otherwise outlive the run).
            if (Processes.Members().Count > 0)
            {
                await Processes.KillAllAsync();
            }
        }
        catch (TimeoutException)
        {
            // The cluster reports survivors.
        }
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
