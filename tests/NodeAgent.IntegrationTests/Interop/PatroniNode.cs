using System.Globalization;
using System.Text.Json.Nodes;
using NodeAgent.IntegrationTests.Fixtures;

namespace NodeAgent.IntegrationTests.Interop;

/// <summary>
/// One real Patroni 3.0.2 node (<c>/usr/bin/patroni CONFIG</c> as OS user postgres) on its own loopback
/// address with free ports for postgres and the REST API. Patroni's output (and whatever postgres writes
/// before its logging collector starts) goes to patroni.log; postgres logs to pglog/ in the node's root.
/// </summary>
public sealed partial class PatroniNode : IAsyncDisposable
{
    public const string Password = "secret";
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(3) };
    private ChildProcess? _patroni;

    /// <param name="tagsYaml">A top-level <c>tags:</c> block (or empty): Patroni publishes tags in the member key.</param>
    internal PatroniNode(string scope, string name, string root, EtcdCluster etcd, string tagsYaml = "")
    {
        Scope = scope;
        Name = name;
        Root = root;
        Address = LoopbackAddresses.Next();
        PostgresPort = LoopbackAddresses.FreePort(Address);
        RestPort = LoopbackAddresses.FreePort(Address);
        Directory.CreateDirectory(root);
        Directory.CreateDirectory(SocketDir);
        File.WriteAllText(ConfigPath, PatroniConfigYaml.Render(this, etcd) + tagsYaml);
    }

    public string Scope { get; }

    public string Name { get; }

    public string Address { get; }

    public int PostgresPort { get; }

    public int RestPort { get; }

    public string Root { get; }

    public string DataDir => Path.Combine(Root, "data");

    public string SocketDir => Path.Combine(Root, "run");

    public string PostgresLogDir => Path.Combine(Root, "pglog");

    public string ConfigPath => Path.Combine(Root, "patroni.yml");

    public string LogPath => Path.Combine(Root, "patroni.log");

    public string RestBase => $"http://{Address}:{RestPort}";

    /// <summary>"host:port" as patronictl shows it in the Host column (the ports are not 5432).</summary>
    public string HostColumn => $"{Address}:{PostgresPort}";

    public bool IsRunning => _patroni is { HasExited: false };

    /// <summary>Starts Patroni as user postgres with no PATRONI_*, PG* or PYTHON* variables of ours.</summary>
    public void Start()
    {
        if (IsRunning)
        {
            throw new InvalidOperationException($"patroni {Name} is already running");
        }
        _patroni?.Dispose();
        File.AppendAllText(LogPath, $"==== test: starting patroni {Name} at {DateTime.Now:HH:mm:ss.fff}\n");
        _patroni = ChildProcess.Start(RequiredBinary.RequirePatroni(), [ConfigPath], LogPath, psi =>
        {
            PostgresUser.Configure(psi, Root);
            foreach (var key in psi.Environment.Keys
                .Where(k => k.StartsWith("PATRONI", StringComparison.Ordinal) || k.StartsWith("PYTHON", StringComparison.Ordinal))
                .ToList())
            {
                psi.Environment.Remove(key);
            }
        });
    }

    /// <summary>GET /patroni of this node's REST API.</summary>
    public async Task<JsonObject> StatusAsync(CancellationToken cancellationToken = default)
    {
        var body = await Http.GetStringAsync(new Uri($"{RestBase}/patroni"), cancellationToken);
        return JsonNode.Parse(body)?.AsObject() ?? throw new InvalidOperationException($"{Name}: /patroni returned {body}");
    }

    /// <summary>SIGTERM (Patroni stops postgres and exits), then SIGKILL after <paramref name="grace"/>; the same for NodeAgent if it runs here.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (_patroni is { HasExited: false } patroni)
        {
            File.AppendAllText(LogPath, $"==== test: SIGTERM to patroni {Name} at {DateTime.Now:HH:mm:ss.fff}\n");
            await patroni.StopAsync(grace);
        }
        await StopNodeAgentAsync(grace);
    }

    public string LogTail(int lines = 25) => ChildProcess.ReadTail(LogPath, lines);

    /// <summary>The newest postgres log file's tail, or a note when there is none.</summary>
    public string PostgresLogTail(int lines = 10)
    {
        var newest = Directory.Exists(PostgresLogDir)
            ? new DirectoryInfo(PostgresLogDir).GetFiles().OrderByDescending(f => f.LastWriteTimeUtc).FirstOrDefault()
            : null;
        return newest is null ? "(no postgres log)" : ChildProcess.ReadTail(newest.FullName, lines);
    }

    /// <summary>Kills Patroni and then every postgres process of this node's data dir, by PID.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_patroni is not null)
        {
            await _patroni.DisposeAsync();
            _patroni = null;
        }
        await DisposeNodeAgentAsync();
        // Patroni starts the postmaster through a double fork: it is not in Patroni's process tree.
        var pids = PostgresPids();
        if (pids.Count == 0)
        {
            return;
        }
        foreach (var pid in pids)
        {
            Signals.Send(pid, Signals.SigKill);
        }
        try
        {
            await Poll.UntilAsync(() => PostgresPids().Count == 0, TimeSpan.FromSeconds(10), $"postgres of {Name} to be gone");
        }
        catch (TimeoutException)
        {
            // The cluster reports survivors after disposing every node.
        }
    }

    /// <summary>
    /// The postmaster (its command line names our data dir), anything else naming it (pg_basebackup,
    /// pg_rewind) and their children (backends rename themselves and no longer name the data dir).
    /// </summary>
    public IReadOnlyList<int> PostgresPids()
    {
        var parents = new Dictionary<int, int>();
        var own = new HashSet<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.Integer, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }
            try
            {
                var cmdline = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                if (cmdline.Contains(DataDir, StringComparison.Ordinal))
                {
                    own.Add(pid);
                }
                // /proc/PID/stat: "pid (comm) state ppid ..."; comm may contain spaces, so parse after the last ')'.
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                parents[pid] = int.Parse(fields[1], CultureInfo.InvariantCulture);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or ArgumentOutOfRangeException)
            {
                // The process exited while we looked.
            }
        }
        var result = new HashSet<int>(own);
        foreach (var (pid, parent) in parents)
        {
            if (own.Contains(parent))
            {
                result.Add(pid);
            }
        }
        return [.. result];
    }
}
