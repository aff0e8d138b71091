using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using NodeAgent.IntegrationTests.Fixtures;

namespace NodeAgent.IntegrationTests.Chaos;

/// <summary>
/// Three etcd 3.4 members, each on its own lab host (client 2379, peer 2380 on the host's address), data
/// and logs under the run's temp root. Queries go through etcdctl run inside an observer namespace, since
/// the test process itself must not talk to lab addresses.
/// </summary>
public sealed class ChaosEtcd : IAsyncDisposable
{
    public const int ClientPort = 2379;
    public const int PeerPort = 2380;
    private readonly IReadOnlyList<NetnsHost> _hosts;
    private readonly NetnsHost _observer;
    private readonly string _root;
    private readonly ChildProcess?[] _processes;
    private readonly string _token = "chaos-" + Guid.NewGuid().ToString("N")[..8];

    public ChaosEtcd(IReadOnlyList<NetnsHost> hosts, NetnsHost observer, string root)
    {
        _hosts = hosts;
        _observer = observer;
        _root = root;
        _processes = new ChildProcess?[hosts.Count];
    }

    public int Count => _hosts.Count;

    public IReadOnlyList<string> Addresses => _hosts.Select(h => h.Address).ToList();

    /// <summary>"host:port,..." as the agent's etcd3.hosts.</summary>
    public string EndpointsCsv => string.Join(',', _hosts.Select(h => $"{h.Address}:{ClientPort}"));

    public string Name(int member) => _hosts[member].Name;

    public bool IsRunning(int member) => _processes[member] is { HasExited: false };

    /// <summary>PID of a running member, for proof that stopping it took effect.</summary>
    public int Pid(int member) => _processes[member] is { HasExited: false } process ? process.Pid : throw new InvalidOperationException($"etcd {Name(member)} is not running");

    public string LogPath(int member) => Path.Combine(_root, $"{_hosts[member].Name}.log");

    public async Task StartAllAsync(CancellationToken cancellationToken = default)
    {
        RequiredBinary.RequireEtcd();
        for (var i = 0; i < Count; i++)
        {
            Launch(i, "new");
        }
        await WaitHealthyAsync(TimeSpan.FromSeconds(60), cancellationToken);
    }

    /// <summary>Starts a stopped or killed member again on its data dir (it rejoins).</summary>
    public void Restart(int member)
    {
        if (IsRunning(member))
        {
            throw new InvalidOperationException($"etcd {Name(member)} is already running");
        }
        Launch(member, "existing");
    }

    /// <summary>SIGTERM, then SIGKILL after 10 s.</summary>
    public async Task StopAsync(int member)
    {
        if (_processes[member] is { } process)
        {
            await process.StopAsync(TimeSpan.FromSeconds(10));
            await process.DisposeAsync();
            _processes[member] = null;
        }
    }

    /// <summary>SIGKILL without warning.</summary>
    public async Task KillAsync(int member)
    {
        if (_processes[member] is { } process)
        {
            Signals.Send(process.Pid, Signals.SigKill);
            await process.DisposeAsync();
            _processes[member] = null;
        }
    }

    /// <summary>etcdctl inside the observer namespace, against every member, 2 s per call.</summary>
    public Task<string> EtcdctlAsync(IEnumerable<string> arguments, CancellationToken cancellationToken = default) =>
        _observer.RunAsync(RequiredBinary.Etcdctl, [$"--endpoints={EndpointsCsv}", "--command-timeout=2s", "--dial-timeout=1s", .. arguments], cancellationToken);

    /// <summary>The value of a key, null if absent.</summary>
    public async Task<string?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        var output = await EtcdctlAsync(["get", key, "--print-value-only"], cancellationToken);
        var value = output.TrimEnd('\n');
        return value.Length == 0 ? null : value;
    }

    /// <summary>Index of the raft leader among running members, null if none is known.</summary>
    public async Task<int?> LeaderIndexAsync(CancellationToken cancellationToken = default)
    {
        for (var i = 0; i < Count; i++)
        {
            if (!IsRunning(i))
            {
                continue;
            }
            try
            {
                var json = await _observer.RunAsync(RequiredBinary.Etcdctl,
                    [$"--endpoints={_hosts[i].Address}:{ClientPort}", "--command-timeout=2s", "endpoint", "status", "-w", "json"], cancellationToken);
                var status = JsonNode.Parse(json)?[0]?["Status"];
                var self = status?["header"]?["member_id"]?.ToJsonString();
                var leader = status?["leader"]?.ToJsonString();
                if (self is not null && self == leader)
                {
                    return i;
                }
            }
            catch (InvalidOperationException)
            {
                // This member does not answer: ask the next.
            }
        }
        return null;
    }

    /// <summary>True if a linearizable read succeeds (it needs a raft leader and a quorum behind it).</summary>
    public async Task<bool> HasQuorumAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await EtcdctlAsync(["get", "--consistency=l", "/chaos-quorum-probe"], cancellationToken);
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>Waits until every running member reports healthy (needs a quorum).</summary>
    public Task WaitHealthyAsync(TimeSpan timeout, CancellationToken cancellationToken = default) =>
        Poll.UntilAsync(
            async () =>
            {
                var running = Enumerable.Range(0, Count).Where(IsRunning).Select(i => $"{_hosts[i].Address}:{ClientPort}").ToList();
                await _observer.RunAsync(RequiredBinary.Etcdctl, [$"--endpoints={string.Join(',', running)}", "--command-timeout=2s", "endpoint", "health"], cancellationToken);
                return true;
            },
            timeout,
            "etcd members to report healthy",
            cancellationToken);

    public string Describe() => string.Join('\n', Enumerable.Range(0, Count).Select(i =>
        $"--- etcd {Name(i)} {_hosts[i].Address} running={IsRunning(i)} log tail:\n{ChildProcess.ReadTail(LogPath(i), 10)}"));

    public async ValueTask DisposeAsync()
    {
        for (var i = 0; i < Count; i++)
        {
            await KillAsync(i);
        }
    }

    private void Launch(int index, string state)
    {
        var host = _hosts[index];
        var initialCluster = string.Join(',', _hosts.Select(h => $"{h.Name}=http://{h.Address}:{PeerPort}"));
        string[] args =
        [
            "--name", host.Name,
            "--data-dir", Path.Combine(_root, $"{host.Name}.data"),
            "--listen-client-urls", $"http://{host.Address}:{ClientPort}",
            "--advertise-client-urls", $"http://{host.Address}:{ClientPort}",
            "--listen-peer-urls", $"http://{host.Address}:{PeerPort}",
            "--initial-advertise-peer-urls", $"http://{host.Address}:{PeerPort}",
            "--initial-cluster", initialCluster,
            "--initial-cluster-state", state,
            "--initial-cluster-token", _token,
            "--logger", "zap",
            "--log-outputs", "stderr",
        ];
        File.AppendAllText(LogPath(index), $"==== test: starting etcd {host.Name} ({state}) at {DateTime.Now:HH:mm:ss.fff}\n");
        _processes[index] = host.Start(RequiredBinary.Etcd, args, LogPath(index), ConfigureEnvironment);
    }

    private static void ConfigureEnvironment(ProcessStartInfo psi)
    {
        foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("ETCD", StringComparison.Ordinal)).ToList())
        {
            psi.Environment.Remove(key);
        }
        psi.Environment["GOMAXPROCS"] = 1.ToString(CultureInfo.InvariantCulture);
    }
}
