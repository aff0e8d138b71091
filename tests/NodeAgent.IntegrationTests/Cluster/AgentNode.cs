using System.Globalization;
using Npgsql;
using NodeAgent.IntegrationTests.Fixtures;

namespace NodeAgent.IntegrationTests.Cluster;

/// <summary>
/// One database node: the real agent (<c>dotnet node-agent.dll CONFIG</c>) as our child process, with a
/// seed-format config on its own loopback address (postgres 5432, REST 8008, like the production
/// nodes), a data dir under a temp root owned by postgres, and its output appended to agent.log
/// across restarts.
/// </summary>
public sealed class AgentNode : IAsyncDisposable
{
    public const int PostgresPort = 5432;
    public const int RestApiPort = 8008;
    public const string Password = "secret";
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(90);
    private ChildProcess? _agent;

    /// <param name="postgresqlYaml">Extra lines under <c>postgresql:</c> (unindented: the renderer indents them).</param>
    internal AgentNode(string scope, string name, string address, string root, EtcdCluster etcd, string extraYaml = "", string postgresqlYaml = "")
    {
        Scope = scope;
        Name = name;
        Address = address;
        Root = root;
        Etcd = etcd;
        Directory.CreateDirectory(root);
        Directory.CreateDirectory(SocketDir);
        File.WriteAllText(ConfigPath, AgentConfigYaml.Render(this, postgresqlYaml) + extraYaml);
    }

    public string Scope { get; }

    public string Name { get; }

    public string Address { get; }

    public string Root { get; }

    public EtcdCluster Etcd { get; }

    public string DataDir => Path.Combine(Root, "data");

    public string SocketDir => Path.Combine(Root, "run");

    public string ConfigPath => Path.Combine(Root, "config.yml");

    /// <summary>The agent's standard output and error, plus the test's markers.</summary>
    public string LogPath => Path.Combine(Root, "agent.log");

    /// <summary>The agent's own log: the config sets <c>log.dir</c> to <see cref="Root"/>, as the seed sets it.</summary>
    public string FileLogPath => Path.Combine(Root, "node-agent.log");

    /// <summary>A native agent binary to run instead of <c>dotnet node-agent.dll</c>; null for the dll.</summary>
    public string? NativeBinary { get; set; }

    public int? AgentPid => _agent is { HasExited: false } a ? a.Pid : null;

    public bool IsRunning => _agent is { HasExited: false };

    /// <summary>TCP connection string for the superuser; no pooling so every probe is a fresh connection.</summary>
    public string ConnectionString => new NpgsqlConnectionStringBuilder
    {
        Host = Address,
        Port = PostgresPort,
        Username = "postgres",
        Password = Password,
        Database = "postgres",
        Timeout = 2,
        CommandTimeout = 3,
        Pooling = false,
        GssEncryptionMode = GssEncryptionMode.Disable,
    }.ConnectionString;

    /// <summary>The agent dll the test project copies next to its own assembly.</summary>
    public static string AgentDll => Path.Combine(AppContext.BaseDirectory, "node-agent.dll");

    /// <summary>Starts the agent process (appending to <see cref="LogPath"/>).</summary>
    public void Start()
    {
        if (IsRunning)
        {
            throw new InvalidOperationException($"agent {Name} is already running");
        }
        var (program, arguments) = NativeBinary is { } native
            ? (native, new[] { ConfigPath })
            : (DotnetHost(), new[] { RequiredBinary.Require(AgentDll, "(build tests/NodeAgent.IntegrationTests)"), ConfigPath });
        _agent?.Dispose();
        File.AppendAllText(LogPath, $"==== test: starting agent {Name} at {DateTime.Now:HH:mm:ss.fff}\n");
        _agent = ChildProcess.Start(program, arguments, LogPath, psi =>
        {
            foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("PATRONI", StringComparison.Ordinal) || k.StartsWith("PG", StringComparison.Ordinal)).ToList())
            {
                // PATRONI_* would override the config file; PG* would redirect libpq and pg tools.
                psi.Environment.Remove(key);
            }
        });
    }

    /// <summary>SIGTERM and wait for a clean exit; true if it exited on its own within the grace period.</summary>
    public async Task<bool> StopAsync()
    {
        if (_agent is not { HasExited: false } agent)
        {
            return true;
        }
        File.AppendAllText(LogPath, $"==== test: SIGTERM to agent {Name} at {DateTime.Now:HH:mm:ss.fff}\n");
        agent.Signal(Signals.SigCont);
        agent.Signal(Signals.SigTerm);
        if (await agent.WaitForExitAsync(StopGrace))
        {
            return true;
        }
        agent.KillTree();
        await agent.WaitForExitAsync(TimeSpan.FromSeconds(10));
        return false;
    }

    /// <summary>SIGKILL the agent alone (its postmaster lives on in its own session) or both.</summary>
    public async Task KillAsync(bool postmasterToo)
    {
        if (_agent is { HasExited: false } agent)
        {
            Signals.Send(agent.Pid, Signals.SigKill);
            await agent.WaitForExitAsync(TimeSpan.FromSeconds(10));
        }
        if (postmasterToo)
        {
            await KillPostmasterAsync();
        }
    }

    /// <summary>SIGKILL to the agent and its postmaster back to back (a host crash as far as the cluster can tell).</summary>
    public async Task KillAgentAndPostmasterTogetherAsync()
    {
        var postmaster = PostmasterPid();
        var agent = _agent is { HasExited: false } a ? a : null;
        if (agent is not null)
        {
            Signals.Send(agent.Pid, Signals.SigKill);
        }
        if (postmaster is { } pid)
        {
            Signals.Send(pid, Signals.SigKill);
        }
        if (agent is not null)
        {
            await agent.WaitForExitAsync(TimeSpan.FromSeconds(10));
        }
        if (postmaster is { } dead)
        {
            await Poll.UntilAsync(() => !Directory.Exists($"/proc/{dead}"), TimeSpan.FromSeconds(10), $"postmaster {dead} of {Name} to die");
        }
    }

    /// <summary>The timeline this primary writes on (from its current WAL file name).</summary>
    public async Task<int> PrimaryTimelineAsync(CancellationToken cancellationToken = default) =>
        Convert.ToInt32((string)(await ScalarAsync("SELECT substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8)", cancellationToken))!, 16);

    /// <summary>True if an INSERT into <paramref name="table"/> commits on this node now.</summary>
    public async Task<bool> AcceptsWriteAsync(string table)
    {
        try
        {
            await ScalarAsync($"INSERT INTO {table} DEFAULT VALUES");
            return true;
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or System.Net.Sockets.SocketException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>SIGSTOP: the agent hangs with its sockets open; postgres keeps running.</summary>
    public void Freeze() => _agent?.Signal(Signals.SigStop);

    /// <summary><see cref="Freeze"/>, then waits until /proc shows the agent stopped (state T): a signal is not instant.</summary>
    public async Task<int> FreezeAsync()
    {
        var pid = AgentPid ?? throw new InvalidOperationException($"agent {Name} is not running");
        Freeze();
        await Poll.UntilAsync(() => ProcFs.Stat(pid)?.State == 'T', TimeSpan.FromSeconds(5), $"agent {Name} ({pid}) to be stopped (state T)");
        return pid;
    }

    /// <summary>SIGCONT after <see cref="Freeze"/>.</summary>
    public void Thaw() => _agent?.Signal(Signals.SigCont);

    public async Task<NpgsqlConnection> OpenConnectionAsync(CancellationToken cancellationToken = default)
    {
        var connection = new NpgsqlConnection(ConnectionString);
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            // Npgsql may overrun its own connect timeout on a hung server: bound it from outside, and cancel the open.
            await connection.OpenAsync(attempt.Token).WaitAsync(TimeSpan.FromSeconds(5), cancellationToken);
            return connection;
        }
        catch
        {
            await attempt.CancelAsync();
            try
            {
                await connection.DisposeAsync();
            }
            catch (InvalidOperationException)
            {
                // Still connecting ("Can't close, connection is in state Connecting"): the timeout above is the error to report.
            }

            throw;
        }
    }

    /// <summary>Runs one statement on a fresh connection and returns the first column of the first row.</summary>
    public async Task<object?> ScalarAsync(string sql, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync(cancellationToken).WaitAsync(TimeSpan.FromSeconds(6), cancellationToken);
    }

    /// <summary>application_name -> state of every row of pg_stat_replication on this node.</summary>
    public async Task<IReadOnlyDictionary<string, string>> ReplicationStatesAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT application_name, state FROM pg_stat_replication", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var states = new Dictionary<string, string>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
        {
            states[reader.GetString(0)] = reader.IsDBNull(1) ? "" : reader.GetString(1);
        }
        return states;
    }

    /// <summary>sender_host of this node's WAL receiver while it is streaming, else null.</summary>
    public async Task<string?> WalReceiverSenderAsync(CancellationToken cancellationToken = default) =>
        await ScalarAsync("SELECT sender_host FROM pg_stat_wal_receiver WHERE status = 'streaming'", cancellationToken) as string;

    public async Task<bool> IsInRecoveryAsync(CancellationToken cancellationToken = default) =>
        (bool)(await ScalarAsync("SELECT pg_is_in_recovery()", cancellationToken))!;

    /// <summary>"Database system identifier" from pg_controldata of the data dir.</summary>
    public async Task<string> SystemIdentifierFromControlDataAsync(CancellationToken cancellationToken = default)
    {
        var output = await PostgresUser.RunAsPostgresAsync(
            RequiredBinary.RequirePostgres("pg_controldata"), ["-D", DataDir], cancellationToken);
        var line = output.Split('\n').FirstOrDefault(l => l.StartsWith("Database system identifier:", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"pg_controldata printed no system identifier:\n{output}");
        return line.Split(':', 2)[1].Trim();
    }

    /// <summary>Drops a file into the data dir: a re-clone (pg_basebackup wipes the dir) would lose it.</summary>
    public string DropMarker()
    {
        var path = Path.Combine(DataDir, $"na-it-marker-{Name}");
        File.WriteAllText(path, Name);
        return path;
    }

    public bool HasMarker() => File.Exists(Path.Combine(DataDir, $"na-it-marker-{Name}"));

    /// <summary>How many times this node's agent ran pg_basebackup (the process runner logs every start).</summary>
    public int CloneCount() => ReadLog().Split('\n').Count(l => l.Contains("started pg_basebackup", StringComparison.Ordinal));

    /// <summary>Everything the agent logged: its log file under <c>log.dir</c>, then its standard output and error.</summary>
    public string ReadLog() => ReadShared(FileLogPath) + ReadShared(LogPath);

    /// <summary>
    /// The agent's last log lines for a failure report, its steady "no action." lines left out but the newest: a node
    /// that idled for the last minute would otherwise show nothing of what it did before (CascadeTests in CI).
    /// </summary>
    public string LogTail(int lines = 40)
    {
        string[] all;
        try
        {
            all = ReadShared(FileLogPath).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        }
        catch (IOException ex)
        {
            return $"(log {FileLogPath} unreadable: {ex.Message})";
        }

        var lastNoAction = Array.FindLastIndex(all, IsNoAction);
        var kept = all.Where((line, i) => !IsNoAction(line) || i == lastNoAction).TakeLast(lines);
        return $"{string.Join('\n', kept)}\n--- {Name} stdout/stderr:\n{ChildProcess.ReadTail(LogPath, 10)}";
    }

    private static bool IsNoAction(string line) => line.Contains(" INFO: no action. ", StringComparison.Ordinal);

    private static string ReadShared(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd();
        }
        catch (FileNotFoundException)
        {
            return "";
        }
    }

    /// <summary>PID from the first line of postmaster.pid, if the file exists and names a live process.</summary>
    public int? PostmasterPid()
    {
        var file = Path.Combine(DataDir, "postmaster.pid");
        try
        {
            var first = File.ReadLines(file).FirstOrDefault();
            if (int.TryParse(first, NumberStyles.Integer, CultureInfo.InvariantCulture, out var pid) && IsPostgresProcess(pid))
            {
                return pid;
            }
        }
        catch (IOException)
        {
            // No file (stopped cleanly) or it vanished while we read it.
        }
        return null;
    }

    /// <summary>SIGKILL the postmaster of our data dir (its children exit on their own) and wait until it is gone.</summary>
    public async Task KillPostmasterAsync()
    {
        if (PostmasterPid() is not { } pid)
        {
            return;
        }
        Signals.Send(pid, Signals.SigKill);
        await Poll.UntilAsync(() => !Directory.Exists($"/proc/{pid}"), TimeSpan.FromSeconds(10), $"postmaster {pid} of {Name} to die");
    }

    /// <summary>Kills agent and postgres by PID; the temp root is removed by the cluster.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_agent is not null)
        {
            await _agent.DisposeAsync();
            _agent = null;
        }
        await KillPostmasterAsync();
        foreach (var pid in PostgresPidsOfDataDir())
        {
            // Orphaned backends of a killed postmaster: they would hold shared memory and the port.
            Signals.Send(pid, Signals.SigKill);
        }
        try
        {
            await Poll.UntilAsync(() => PostgresPidsOfDataDir().Count == 0, TimeSpan.FromSeconds(10), $"postgres of {Name} to be gone");
        }
        catch (TimeoutException)
        {
            // The cluster reports survivors after disposing every node.
        }
    }

    /// <summary>The agent's fence process (<c>node-agent --fence DATA_DIR</c>), if one runs.</summary>
    public int? FencePid()
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.Integer, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }
            try
            {
                var args = File.ReadAllText(Path.Combine(dir, "cmdline")).Split('\0');
                if (args.Contains("--fence") && args.Contains(DataDir) && !File.ReadAllText(Path.Combine(dir, "stat")).Contains(") Z ", StringComparison.Ordinal))
                {
                    return pid;
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // The process exited while we looked.
            }
        }
        return null;
    }

    /// <summary>Every live process whose command line names our data dir (postmaster or a leftover child).</summary>
    public IReadOnlyList<int> PostgresPidsOfDataDir()
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
                // The process exited while we looked.
            }
        }
        return pids;
    }

    private static bool IsPostgresProcess(int pid)
    {
        try
        {
            var cmdline = File.ReadAllText($"/proc/{pid}/cmdline");
            return cmdline.Contains("postgres", StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    internal static string DotnetHost()
    {
        // Set by the dotnet CLI for the test host; the same runtime then runs the agent.
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(host) && File.Exists(host))
        {
            return host;
        }
        foreach (var candidate in new[] { "/usr/bin/dotnet", "/usr/share/dotnet/dotnet", "/usr/lib/dotnet/dotnet" })
        {
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        return "dotnet";
    }
}
