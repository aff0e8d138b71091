using System.Text;
using NodeAgent.IntegrationTests.Fixtures;

namespace NodeAgent.IntegrationTests.Chaos;

/// <summary>
/// The whole lab: 3 etcd hosts (.21-.23), 3 database nodes u4-u6 (.24-.26), HAProxy (.27) and a client
/// host (.30), each in its own namespace. Dispose kills every process by PID, then removes the
/// namespaces, the blackhole route and the temp dir, even if setup failed halfway.
/// </summary>
public sealed class ChaosCluster : IAsyncDisposable
{
    public static readonly TimeSpan HealLimit = TimeSpan.FromSeconds(60);
    private readonly TempDirectory _root;
    private readonly List<ChaosNode> _nodes = [];

    private ChaosCluster(NetnsLab lab, TempDirectory root, string scope)
    {
        Lab = lab;
        _root = root;
        Scope = scope;
    }

    public NetnsLab Lab { get; }

    public string Scope { get; }

    public string Root => _root.Path;

    public ChaosEtcd Etcd { get; private set; } = null!;

    public IReadOnlyList<ChaosNode> Nodes => _nodes;

    public ChaosHaproxy Haproxy { get; private set; } = null!;

    public NetnsHost ClientHost { get; private set; } = null!;

    public static async Task<ChaosCluster> StartAsync(CancellationToken cancellationToken = default)
    {
        RequiredBinary.RequirePostgres("postgres");
        var lab = await NetnsLab.CreateAsync(cancellationToken);
        var root = new TempDirectory("chaos");
        var cluster = new ChaosCluster(lab, root, "chaos" + lab.Id[3..]);
        try
        {
            var etcdHosts = new List<NetnsHost>();
            for (var i = 1; i <= 3; i++)
            {
                etcdHosts.Add(await lab.AddHostAsync($"e{i}", 20 + i, cancellationToken));
            }
            var nodeHosts = new List<NetnsHost>();
            foreach (var (name, octet) in new[] { ("u4", 24), ("u5", 25), ("u6", 26) })
            {
                nodeHosts.Add(await lab.AddHostAsync(name, octet, cancellationToken));
            }
            var haproxyHost = await lab.AddHostAsync("hap", 27, cancellationToken);
            cluster.ClientHost = await lab.AddHostAsync("cli", 30, cancellationToken);

            cluster.Etcd = new ChaosEtcd(etcdHosts, cluster.ClientHost, root.Combine("etcd"));
            Directory.CreateDirectory(root.Combine("etcd"));
            await cluster.Etcd.StartAllAsync(cancellationToken);

            var nodesRoot = root.Combine("nodes");
            Directory.CreateDirectory(nodesRoot);
            foreach (var host in nodeHosts)
            {
                cluster._nodes.Add(new ChaosNode(host, Path.Combine(nodesRoot, host.Name), cluster.Scope, cluster.Etcd.EndpointsCsv, lab.Cidr));
            }
            // postgres must traverse to and own its data dir, socket dir and log.
            foreach (var dir in new[] { root.Path, nodesRoot })
            {
                File.SetUnixFileMode(dir, (UnixFileMode)0b111_101_101);
            }
            await PostgresUser.ChownToPostgresAsync(nodesRoot, cancellationToken);
            foreach (var node in cluster._nodes)
            {
                node.Start();
            }
            cluster.Haproxy = await ChaosHaproxy.StartAsync(haproxyHost, cluster._nodes, root.Path, cancellationToken);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    public ChaosNode Node(string name) => _nodes.Single(n => n.Name == name);

    public string LeaderKey => $"/service/{Scope}/leader";

    public Task<string?> LeaderNameAsync(CancellationToken cancellationToken = default) => Etcd.GetAsync(LeaderKey, cancellationToken);

    public string SyncKey => $"/service/{Scope}/sync";

    /// <summary>
    /// Sets synchronous_mode in the config key as <c>edit-config</c> would; turned on, waits until the sync key names the
    /// leader and a standby.
    /// </summary>
    public async Task SetSynchronousModeAsync(bool on, CancellationToken cancellationToken = default)
    {
        var key = $"/service/{Scope}/config";
        var config = System.Text.Json.Nodes.JsonNode.Parse(await Etcd.GetAsync(key, cancellationToken) ?? "{}")!.AsObject();
        config["synchronous_mode"] = on;
        await Etcd.EtcdctlAsync(["put", key, config.ToJsonString()], cancellationToken);
        if (on)
        {
            await Poll.UntilAsync(
                async () => System.Text.Json.Nodes.JsonNode.Parse(await Etcd.GetAsync(SyncKey, cancellationToken) ?? "{}")?["sync_standby"] is not null,
                TimeSpan.FromSeconds(30),
                "the sync key to name a synchronous standby",
                cancellationToken);
        }
    }

    /// <summary>
    /// Polls until one node holds the leader key, runs as primary, and both others stream from it (both
    /// sides agree); returns that leader.
    /// </summary>
    public async Task<ChaosNode> WaitForHealthyAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ChaosNode? leader = null;
        var state = "nothing checked yet";
        try
        {
            await Poll.UntilAsync(
                async () =>
                {
                    var name = await LeaderNameAsync(cancellationToken);
                    leader = _nodes.FirstOrDefault(n => n.Name == name);
                    if (leader is null)
                    {
                        state = $"leader key holds '{name}'";
                        return false;
                    }
                    if (!await leader.IsPrimaryAsync(cancellationToken))
                    {
                        state = $"leader {leader.Name} is in recovery";
                        return false;
                    }
                    var streaming = await leader.StreamingReplicasAsync(cancellationToken);
                    // Both sides can say "streaming" over a TCP connection that is dead but not yet timed out:
                    // the replica must also have received WAL the leader wrote before we asked.
                    var leaderLsn = (string)(await leader.ScalarAsync("SELECT pg_current_wal_lsn()::text", cancellationToken))!;
                    foreach (var replica in _nodes.Where(n => n != leader))
                    {
                        var from = await replica.StreamingFromAsync(cancellationToken);
                        if (!streaming.Contains(replica.Name) || from != leader.Address)
                        {
                            state = $"leader {leader.Name} sees [{string.Join(", ", streaming)}] streaming; {replica.Name} streams from '{from}'";
                            return false;
                        }
                        if (!await replica.HasReceivedAsync(leaderLsn, cancellationToken))
                        {
                            state = $"{replica.Name} has not received WAL up to {leaderLsn} from {leader.Name}";
                            return false;
                        }
                    }
                    return true;
                },
                timeout,
                "one leader with two streaming replicas",
                cancellationToken);
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message}; last state: {state}", ex);
        }
        return leader!;
    }

    /// <summary>Log tails of every agent, etcd member and HAProxy, for failure messages.</summary>
    public string Describe()
    {
        var text = new StringBuilder();
        foreach (var node in _nodes)
        {
            text.Append("--- agent ").Append(node.Name).Append(' ').Append(node.Address)
                .Append(" running=").Append(node.IsRunning).Append(" log tail:\n").Append(node.LogTail(60)).Append('\n');
        }
        text.Append(Etcd.Describe()).Append('\n');
        text.Append("--- haproxy log tail:\n").Append(ChildProcess.ReadTail(Haproxy.LogPath, 20)).Append('\n');
        return text.ToString();
    }

    public async ValueTask DisposeAsync()
    {
        if (Haproxy is not null)
        {
            await Haproxy.DisposeAsync();
        }
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }
        if (Etcd is not null)
        {
            await Etcd.DisposeAsync();
        }
        var survivors = _nodes.SelectMany(n => n.PostgresPids()).ToList();
        Lab.Dispose();
        if (survivors.Count > 0 || Environment.GetEnvironmentVariable("CHAOS_KEEP") == "1")
        {
            // Keep the dir for diagnosis.
            return;
        }
        try
        {
            _root.Dispose();
        }
        catch (IOException)
        {
            _root.Dispose();
        }
    }
}
