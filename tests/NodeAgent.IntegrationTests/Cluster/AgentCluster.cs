using System.Text;
using NodeAgent.IntegrationTests.Fixtures;
using Xunit.Sdk;

namespace NodeAgent.IntegrationTests.Cluster;

/// <summary>
/// The seed topology on loopback: a real etcd cluster of three members and three real agents
/// (u4, u5, u6) with empty data dirs, one scope. Dispose kills every agent and postgres by PID and
/// removes the temp dirs.
/// </summary>
public sealed class AgentCluster : IAsyncDisposable
{
    /// <summary>Generous: bootstrap measured ~2 s alone, but the machine is shared with other builds.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);
    private readonly TempDirectory _root;
    private readonly bool _ownsEtcd = true;

    private AgentCluster(EtcdCluster etcd, TempDirectory root, string scope, IReadOnlyList<AgentNode> nodes, bool ownsEtcd = true)
    {
        _ownsEtcd = ownsEtcd;
        Etcd = etcd;
        _root = root;
        Scope = scope;
        Nodes = nodes;
    }

    public EtcdCluster Etcd { get; }

    public string Scope { get; }

    public IReadOnlyList<AgentNode> Nodes { get; }

    public string KeyPrefix => $"/service/{Scope}/";

    /// <summary>Starts etcd x3, writes the three configs and starts the three agents (nothing waited for).</summary>
    public static Task<AgentCluster> StartAsync(CancellationToken cancellationToken = default) =>
        StartAsync(_ => "", cancellationToken);

    /// <summary>As <see cref="StartAsync(CancellationToken)"/>, with extra top-level YAML per node name (e.g. tags).</summary>
    public static Task<AgentCluster> StartAsync(Func<string, string> extraYaml, CancellationToken cancellationToken = default) =>
        StartAsync(extraYaml, _ => "", cancellationToken);

    /// <summary>As above, with extra lines under <c>postgresql:</c> per node name (e.g. callbacks, pre_promote), unindented.</summary>
    public static async Task<AgentCluster> StartAsync(Func<string, string> extraYaml, Func<string, string> postgresqlYaml, CancellationToken cancellationToken = default)
    {
        RequiredBinary.RequirePostgres("postgres");
        var etcd = await EtcdCluster.StartAsync(3, cancellationToken);
        TempDirectory? root = null;
        try
        {
            root = new TempDirectory("agents");
            var scope = "it" + Guid.NewGuid().ToString("N")[..8];
            var nodes = new[] { "u4", "u5", "u6" }
                .Select(name => new AgentNode(scope, name, LoopbackAddresses.Next(), root.Combine(name), etcd, extraYaml(name), postgresqlYaml(name)))
                .ToList();
            // postgres must be able to traverse to and own its data dir, socket dir and log.
            File.SetUnixFileMode(root.Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
            await PostgresUser.ChownToPostgresAsync(root.Path, cancellationToken);
            var cluster = new AgentCluster(etcd, root, scope, nodes);
            foreach (var node in nodes)
            {
                node.Start();
            }
            return cluster;
        }
        catch
        {
            root?.Dispose();
            await etcd.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// A cluster of <paramref name="names"/> under <paramref name="scope"/> on an etcd the caller owns and disposes after it
    /// (several clusters on one etcd). <paramref name="editConfig"/> may rewrite each node's rendered config before its start.
    /// </summary>
    public static async Task<AgentCluster> StartOnAsync(
        EtcdCluster etcd, string scope, IReadOnlyList<string> names, Func<string, string> editConfig, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(etcd);
        ArgumentNullException.ThrowIfNull(editConfig);
        RequiredBinary.RequirePostgres("postgres");
        var root = new TempDirectory("agents-" + scope);
        try
        {
            var nodes = names.Select(name => new AgentNode(scope, name, LoopbackAddresses.Next(), root.Combine(name), etcd)).ToList();
            foreach (var node in nodes)
            {
                File.WriteAllText(node.ConfigPath, editConfig(File.ReadAllText(node.ConfigPath)));
            }
            File.SetUnixFileMode(root.Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
            await PostgresUser.ChownToPostgresAsync(root.Path, cancellationToken);
            var cluster = new AgentCluster(etcd, root, scope, nodes, ownsEtcd: false);
            foreach (var node in nodes)
            {
                node.Start();
            }
            return cluster;
        }
        catch
        {
            root.Dispose();
            throw;
        }
    }

    public AgentNode Node(string name) => Nodes.Single(n => n.Name == name);

    /// <summary>The member name in /service/SCOPE/leader, null if no leader (throws if etcd is unreachable).</summary>
    public Task<string?> LeaderNameAsync(CancellationToken cancellationToken = default) =>
        EtcdKeys.GetAsync(Etcd, KeyPrefix + "leader", cancellationToken);

    /// <summary>Waits until some running node holds the leader key and returns it.</summary>
    public async Task<AgentNode> WaitForLeaderAsync(TimeSpan? timeout = null, Func<AgentNode, bool>? where = null)
    {
        AgentNode? leader = null;
        await Poll.UntilAsync(
            async () =>
            {
                var name = await LeaderNameAsync();
                leader = Nodes.FirstOrDefault(n => n.Name == name);
                return leader is not null && (where is null || where(leader));
            },
            timeout ?? Patience,
            "a node to hold the leader key" + (where is null ? "" : " (matching the test's condition)"));
        return leader!;
    }

    /// <summary>Waits until the leader's pg_stat_replication shows every other node streaming.</summary>
    public Task WaitForStreamingAsync(AgentNode leader, TimeSpan? timeout = null) =>
        WaitForStreamingAsync(leader, Nodes.Where(n => n != leader).ToList(), timeout);

    /// <summary>Waits until <paramref name="replicas"/> stream from <paramref name="leader"/> (both sides agree).</summary>
    public static async Task WaitForStreamingAsync(AgentNode leader, IReadOnlyList<AgentNode> replicas, TimeSpan? timeout = null)
    {
        var others = replicas.Select(n => n.Name).ToList();
        IReadOnlyDictionary<string, string> states = new Dictionary<string, string>();
        try
        {
            await Poll.UntilAsync(
                async () =>
                {
                    states = await leader.ReplicationStatesAsync();
                    if (!others.All(o => states.TryGetValue(o, out var s) && s == "streaming"))
                    {
                        return false;
                    }
                    // pg_basebackup's WAL stream also shows as "streaming": the replica must say so too.
                    foreach (var replica in replicas)
                    {
                        if (await replica.WalReceiverSenderAsync() != leader.Address)
                        {
                            return false;
                        }
                    }
                    return true;
                },
                timeout ?? Patience,
                $"{string.Join(" and ", others)} streaming from {leader.Name}");
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException(
                $"{ex.Message}; pg_stat_replication on {leader.Name}: [{string.Join(", ", states.Select(kv => $"{kv.Key}={kv.Value}"))}]", ex);
        }
    }

    /// <summary>One leader running as primary (optionally matching a condition) and both others streaming from it.</summary>
    public async Task<AgentNode> WaitForHealthyAsync(TimeSpan? timeout = null, Func<AgentNode, bool>? where = null)
    {
        var leader = await WaitForLeaderAsync(timeout, where);
        // A demoted leader keeps the key for a while and replicas may cascade from it: insist on a primary.
        await Poll.UntilAsync(async () => !await leader.IsInRecoveryAsync(), timeout ?? Patience, $"leader {leader.Name} to run as primary");
        await WaitForStreamingAsync(leader, timeout);
        // An agent still finishing its clone publishes "creating replica" a little longer: a leader does not
        // hand over to such a member, so "healthy" also means every member key says running.
        await Poll.UntilAsync(
            async () =>
            {
                var members = await EtcdKeys.GetPrefixAsync(Etcd, KeyPrefix + "members/");
                return Nodes.All(n => members.TryGetValue(KeyPrefix + "members/" + n.Name, out var m)
                    && System.Text.Json.Nodes.JsonNode.Parse(m.Value)?["state"]?.GetValue<string>() == "running");
            },
            timeout ?? Patience,
            "every member key to say state running");
        return leader;
    }

    /// <summary>
    /// Runs a test body; any failure is rethrown with the agents' and etcd's log tails attached, since a
    /// bare "timed out" says nothing about which agent did what.
    /// </summary>
    public async Task ExplainFailuresAsync(Func<Task> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        try
        {
            await body();
        }
        catch (Exception ex)
        {
            throw new XunitException($"{ex.GetType().Name}: {ex.Message}\n{Describe()}\n--- exception:\n{ex}");
        }
    }

    /// <summary>Log tails of every agent and etcd member.</summary>
    public string Describe()
    {
        var text = new StringBuilder();
        foreach (var node in Nodes)
        {
            text.Append("--- agent ").Append(node.Name).Append(' ').Append(node.Address)
                .Append(" running=").Append(node.IsRunning).Append(" log tail:\n").Append(node.LogTail()).Append('\n');
        }
        text.Append(Etcd.DescribeMembers());
        return text.ToString();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Nodes)
        {
            await node.DisposeAsync();
        }
        var survivors = Nodes.SelectMany(n => n.PostgresPidsOfDataDir()).ToList();
        if (_ownsEtcd)
        {
            await Etcd.DisposeAsync();
        }
        if (survivors.Count == 0)
        {
            _root.Dispose();
            return;
        }
        // Keep the dir for diagnosis and fail loudly: a leaked postgres would hold 5432 on its address.
        throw new InvalidOperationException(
            $"postgres processes {string.Join(", ", survivors)} survived cleanup of {_root.Path}");
    }
}
