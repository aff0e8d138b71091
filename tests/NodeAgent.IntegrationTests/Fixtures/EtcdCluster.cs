using System.Diagnostics;
using System.Globalization;

namespace NodeAgent.IntegrationTests.Fixtures;

/// <summary>
/// A real etcd 3.4 cluster of /usr/bin/etcd processes on distinct loopback addresses, each with free
/// ports and a temp data dir. Members can be stopped, killed, frozen and restarted to test failures.
/// </summary>
public sealed class EtcdCluster : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(2) };
    private readonly TempDirectory _root;
    private readonly string _token;
    private readonly string _initialCluster;

    private EtcdCluster(TempDirectory root, IReadOnlyList<EtcdMember> members, string token)
    {
        _root = root;
        Members = members;
        _token = token;
        _initialCluster = string.Join(',', members.Select(m => $"{m.Name}={m.PeerUrl}"));
    }

    public IReadOnlyList<EtcdMember> Members { get; }

    /// <summary>"host:port" of every member, in member order.</summary>
    public IReadOnlyList<string> Endpoints => Members.Select(m => m.Endpoint).ToList();

    /// <summary>Endpoints joined by commas, as the agent's etcd3.hosts and dotnet-etcd accept them.</summary>
    public string EndpointsCsv => string.Join(',', Endpoints);

    /// <summary>Client URLs ("http://host:port") joined by commas.</summary>
    public string ClientUrlsCsv => string.Join(',', Members.Select(m => m.ClientUrl));

    /// <summary>Starts <paramref name="members"/> members and waits until every one reports healthy.</summary>
    public static async Task<EtcdCluster> StartAsync(int members = 3, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(members, 1);
        RequiredBinary.RequireEtcd();
        var root = new TempDirectory("etcd");
        var list = new List<EtcdMember>();
        for (var i = 0; i < members; i++)
        {
            var address = LoopbackAddresses.Next();
            list.Add(new EtcdMember(
                $"m{i}",
                address,
                LoopbackAddresses.FreePort(address),
                LoopbackAddresses.FreePort(address),
                root.Combine($"m{i}.data"),
                root.Combine($"m{i}.log")));
        }
        var cluster = new EtcdCluster(root, list, $"na-it-{Guid.NewGuid():N}");
        try
        {
            for (var i = 0; i < members; i++)
            {
                cluster.Launch(i, "new");
            }
            await cluster.WaitHealthyAsync(StartTimeout, cancellationToken);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Waits until every running member answers /health with true.</summary>
    public async Task WaitHealthyAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        try
        {
            await Poll.UntilAsync(
                async () =>
                {
                    foreach (var member in Members.Where(m => m.IsRunning))
                    {
                        if (!await IsHealthyAsync(member, cancellationToken))
                        {
                            return false;
                        }
                    }
                    return Members.Any(m => m.IsRunning);
                },
                timeout,
                "etcd members to become healthy",
                cancellationToken);
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message}\n{DescribeMembers()}", ex);
        }
    }

    /// <summary>True if <paramref name="member"/> answers GET /health with "health":"true" (needs a quorum).</summary>
    public static async Task<bool> IsHealthyAsync(EtcdMember member, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(member);
        if (!member.IsRunning)
        {
            return false;
        }
        try
        {
            var body = await Http.GetStringAsync(new Uri($"{member.ClientUrl}/health"), cancellationToken);
            return body.Contains("\"health\":\"true\"", StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>Graceful stop (SIGTERM, SIGKILL after 10 s); blocks until the process is gone.</summary>
    public void Stop(int member)
    {
        var process = Members[member].Process;
        if (process is not null)
        {
            process.Stop(TimeSpan.FromSeconds(10));
            process.Dispose();
            Members[member].Process = null;
        }
    }

    /// <summary>SIGKILL: the member dies without a word to its peers.</summary>
    public void Kill(int member)
    {
        var process = Members[member].Process;
        if (process is not null)
        {
            process.Dispose();
            Members[member].Process = null;
        }
    }

    /// <summary>SIGSTOP: the member hangs with its TCP connections open.</summary>
    public void Freeze(int member) => Members[member].Process?.Signal(Signals.SigStop);

    /// <summary>SIGCONT after <see cref="Freeze"/>.</summary>
    public void Thaw(int member) => Members[member].Process?.Signal(Signals.SigCont);

    /// <summary>Starts a stopped or killed member again on its old data dir (it rejoins the cluster).</summary>
    public void StartMember(int member)
    {
        if (Members[member].IsRunning)
        {
            throw new InvalidOperationException($"etcd member {Members[member].Name} is already running");
        }
        Launch(member, "existing");
    }

    /// <summary>Restarts a member and waits until it is healthy again.</summary>
    public async Task StartMemberAsync(int member, CancellationToken cancellationToken = default)
    {
        StartMember(member);
        await Poll.UntilAsync(
            () => IsHealthyAsync(Members[member], cancellationToken),
            StartTimeout,
            $"etcd member {Members[member].Name} to become healthy",
            cancellationToken);
    }

    /// <summary>The log tails of every member, for failure messages.</summary>
    public string DescribeMembers() => string.Join(
        '\n',
        Members.Select(m =>
            $"--- {m.Name} {m.Endpoint} running={m.IsRunning} log tail:\n{ChildProcess.ReadTail(m.LogPath, 15)}"));

    public async ValueTask DisposeAsync()
    {
        foreach (var member in Members)
        {
            if (member.Process is { } process)
            {
                await process.DisposeAsync();
                member.Process = null;
            }
        }
        // etcd may still be flushing when SIGKILL lands; the dir is ours alone, so retry once.
        try
        {
            _root.Dispose();
        }
        catch (IOException)
        {
            _root.Dispose();
        }
    }

    private void Launch(int index, string state)
    {
        var m = Members[index];
        string[] args =
        [
            "--name", m.Name,
            "--data-dir", m.DataDir,
            "--listen-client-urls", m.ClientUrl,
            "--advertise-client-urls", m.ClientUrl,
            "--listen-peer-urls", m.PeerUrl,
            "--initial-advertise-peer-urls", m.PeerUrl,
            "--initial-cluster", _initialCluster,
            "--initial-cluster-state", state,
            "--initial-cluster-token", _token,
            "--logger", "zap",
            "--log-outputs", "stderr",
        ];
        m.Process = ChildProcess.Start(RequiredBinary.Etcd, args, m.LogPath, ConfigureEnvironment);
    }

    private static void ConfigureEnvironment(ProcessStartInfo psi)
    {
        // An ETCD_* variable in the caller's environment would silently override our flags.
        foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("ETCD", StringComparison.Ordinal)).ToList())
        {
            psi.Environment.Remove(key);
        }
        psi.Environment["ETCDCTL_API"] = "3";
        psi.Environment["GOMAXPROCS"] = 1.ToString(CultureInfo.InvariantCulture);
    }
}
