using System.Text;
using System.Text.Json.Nodes;
using NodeAgent.IntegrationTests.Cluster;
using NodeAgent.IntegrationTests.Fixtures;
using Xunit.Sdk;

namespace NodeAgent.IntegrationTests.Interop;

/// <summary>
/// A real Patroni 3.0.2 cluster on loopback: a 3-member etcd and Patroni nodes p1, p2, ... bootstrapping
/// from empty data dirs in one scope, plus a patronictl-style config file (scope and etcd3 only) for the
/// CLIs. Dispose stops Patroni (which stops postgres), kills whatever is left by PID and removes the
/// temp dirs.
/// </summary>
public sealed class PatroniCluster : IAsyncDisposable
{
    /// <summary>Bootstrap took about 15 s alone; the machine is shared with other test runs.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);
    private readonly TempDirectory _root;

    private PatroniCluster(EtcdCluster etcd, TempDirectory root, string scope, IReadOnlyList<PatroniNode> nodes)
    {
        Etcd = etcd;
        _root = root;
        Scope = scope;
        Nodes = nodes;
        CtlConfigPath = root.Combine("ctl.yml");
        File.WriteAllText(CtlConfigPath, $"scope: {scope}\nnamespace: /service/\netcd3:\n  hosts: {etcd.EndpointsCsv}\n");
    }

    public EtcdCluster Etcd { get; }

    public string Scope { get; }

    public IReadOnlyList<PatroniNode> Nodes { get; }

    /// <summary>What an operator gives agentctl and patronictl: scope, namespace, etcd3 hosts.</summary>
    public string CtlConfigPath { get; }

    public string KeyPrefix => $"/service/{Scope}/";

    /// <summary>Starts etcd x3, writes the node configs and starts every Patroni (nothing waited for).</summary>
    public static async Task<PatroniCluster> StartAsync(int nodes = 3, CancellationToken cancellationToken = default)
    {
        RequiredBinary.RequirePatroni();
        RequiredBinary.RequirePostgres("postgres");
        var etcd = await EtcdCluster.StartAsync(3, cancellationToken);
        TempDirectory? root = null;
        PatroniCluster? cluster = null;
        try
        {
            root = new TempDirectory("patroni");
            var scope = "pi" + Guid.NewGuid().ToString("N")[..8];
            var list = Enumerable.Range(1, nodes)
                .Select(i => new PatroniNode(scope, $"p{i}", root.Combine($"p{i}"), etcd, TagsOf(i)))
                .ToList();
            // postgres must traverse to its node dir and own it (data dir, sockets, logs, pgpass).
            File.SetUnixFileMode(root.Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
            await PostgresUser.ChownToPostgresAsync(root.Path, cancellationToken);
            cluster = new PatroniCluster(etcd, root, scope, list);
            foreach (var node in list)
            {
                node.Start();
            }
            return cluster;
        }
        catch
        {
            if (cluster is not null)
            {
                await cluster.DisposeAsync();
            }
            else
            {
                root?.Dispose();
                await etcd.DisposeAsync();
            }
            throw;
        }
    }

    /// <summary>
    /// p1: a false nofailover (Patroni leaves it out of the member key); p2: one custom tag; p3: two, so the
    /// pretty table gets a multi-line cell and rules between all rows. None changes who may lead or whom
    /// a replica streams from.
    /// </summary>
    private static string TagsOf(int node) => node switch
    {
        1 => "tags:\n  nofailover: false\n",
        2 => "tags:\n  dc: east\n",
        3 => "tags:\n  dc: west\n  rack: 7\n",
        _ => "",
    };

    public PatroniNode Node(string name) => Nodes.Single(n => n.Name == name);

    /// <summary>The member name in /service/SCOPE/leader, null if no leader.</summary>
    public Task<string?> LeaderNameAsync(CancellationToken cancellationToken = default) =>
        EtcdKeys.GetAsync(Etcd, KeyPrefix + "leader", cancellationToken);

    /// <summary>The initialize key: the system identifier once bootstrap is done.</summary>
    public async Task<string> InitializeKeyAsync(CancellationToken cancellationToken = default) =>
        await EtcdKeys.GetAsync(Etcd, KeyPrefix + "initialize", cancellationToken) ?? "";

    /// <summary>Every member key under members/, parsed, by member name.</summary>
    public async Task<Dictionary<string, JsonObject>> MemberKeysAsync(CancellationToken cancellationToken = default)
    {
        var keys = await EtcdKeys.GetPrefixAsync(Etcd, KeyPrefix + "members/", cancellationToken);
        return keys.ToDictionary(
            kv => kv.Key[(KeyPrefix.Length + "members/".Length)..],
            kv => JsonNode.Parse(kv.Value.Value)!.AsObject(),
            StringComparer.Ordinal);
    }

    /// <summary>
    /// Waits until one node (optionally matching <paramref name="where"/>) holds the leader key and says
    /// so on /patroni (role master, running), every other node streams from it (the leader's
    /// /patroni replication list), and every member key says running on the leader's timeline.
    /// </summary>
    public async Task<PatroniNode> WaitForHealthyAsync(TimeSpan? timeout = null, Func<PatroniNode, bool>? where = null)
    {
        PatroniNode? leader = null;
        var seen = "";
        try
        {
            await Poll.UntilAsync(
                async () =>
                {
                    var name = await LeaderNameAsync();
                    leader = Nodes.FirstOrDefault(n => n.Name == name);
                    seen = $"leader key: {name ?? "(none)"}";
                    if (leader is null || (where is not null && !where(leader)))
                    {
                        return false;
                    }
                    var status = await leader.StatusAsync();
                    seen += $"; {leader.Name} /patroni: {status.ToJsonString()}";
                    if ((string?)status["role"] != "master" || (string?)status["state"] != "running")
                    {
                        return false;
                    }
                    var streaming = (status["replication"] as JsonArray ?? [])
                        .Where(r => (string?)r!["state"] == "streaming")
                        .Select(r => (string?)r!["application_name"])
                        .ToHashSet(StringComparer.Ordinal);
                    if (!Nodes.Where(n => n != leader).All(n => streaming.Contains(n.Name)))
                    {
                        return false;
                    }
                    var timeline = (int?)status["timeline"];
                    var members = await MemberKeysAsync();
                    seen += $"; member keys: {string.Join(" ", members.Select(m => $"{m.Key}={m.Value.ToJsonString()}"))}";
                    return Nodes.All(n => members.TryGetValue(n.Name, out var m)
                        && (string?)m["state"] == "running"
                        && (string?)m["role"] == (n == leader ? "master" : "replica")
                        && (int?)m["timeline"] == timeline);
                },
                timeout ?? Patience,
                "a Patroni leader running as master with every other member streaming from it on its timeline"
                    + (where is null ? "" : " (matching the test's condition)"));
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message}; last seen: {seen}", ex);
        }
        return leader!;
    }

    /// <summary>Runs a test body; a failure is rethrown with Patroni's, postgres' and etcd's log tails.</summary>
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

    public string Describe()
    {
        var text = new StringBuilder();
        foreach (var node in Nodes)
        {
            text.Append("--- patroni ").Append(node.Name).Append(' ').Append(node.HostColumn)
                .Append(" running=").Append(node.IsRunning).Append(" log tail:\n").Append(node.LogTail()).Append('\n')
                .Append(node.DescribeNodeAgent())
                .Append("--- postgres ").Append(node.Name).Append(" log tail:\n").Append(node.PostgresLogTail()).Append('\n');
        }
        text.Append(Etcd.DescribeMembers());
        return text.ToString();
    }

    public async ValueTask DisposeAsync()
    {
        // All at once: each Patroni stops its postgres (fast shutdown) and exits within a few seconds.
        await Task.WhenAll(Nodes.Select(n => n.StopAsync(TimeSpan.FromSeconds(15))));
        foreach (var node in Nodes)
        {
            await node.DisposeAsync();
        }
        var survivors = Nodes.SelectMany(n => n.PostgresPids()).ToList();
        await Etcd.DisposeAsync();
        if (survivors.Count == 0)
        {
            _root.Dispose();
            return;
        }
        // Keep the dir for diagnosis and fail loudly: a leaked postgres would hold its port and shared memory.
        throw new InvalidOperationException(
            $"postgres processes {string.Join(", ", survivors)} survived cleanup of {_root.Path}");
    }
}
