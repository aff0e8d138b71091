using Microsoft.Extensions.Logging.Abstractions;
using NodeAgent.Api.Status;
using NodeAgent.Cluster;
using NodeAgent.Configuration;
using NodeAgent.Ha;
using NodeAgent.Watchdog;

namespace NodeAgent.Tests.Component;

/// <summary>One agent of the in-memory cluster: its ports, executor and loop, plus a switch to stop it cycling.</summary>
internal sealed class ComponentNode
{
    public required string Name { get; init; }
    public required InMemoryDcs Dcs { get; init; }
    public required FakePostgres Postgres { get; init; }
    public required IWatchdog WatchdogPort { get; init; }
    public FakeWatchdog Watchdog => (FakeWatchdog)WatchdogPort;
    public required StatusBoard Board { get; init; }
    public required HaLoop Loop { get; init; }
    public required HaRequests Requests { get; init; }
    public required AgentConfig Config { get; init; }
    public required FailsafeAcceptance Failsafe { get; init; }
    public List<string> Reasons { get; } = [];
    public required RecordingRoutingPush Routing { get; init; }

    /// <summary>False while the node is dead or frozen: it neither cycles nor answers peers.</summary>
    public bool Alive { get; set; } = true;
}

/// <summary>N agents sharing one in-memory DCS and one fake clock; cycles are driven explicitly.</summary>
internal sealed class ComponentCluster : IPeerStatusClient, IFailsafeClient, ILeaderReleaseClient
{
    private readonly Dictionary<string, ComponentNode> _nodes = new(StringComparer.Ordinal);

    public ComponentCluster(params string[] names)
        : this(null, null, names)
    {
    }

    /// <summary>With a watchdog per node (default <see cref="FakeWatchdog"/>) and a config tweak (e.g. watchdog mode).</summary>
    public ComponentCluster(Func<string, TimeProvider, IWatchdog>? watchdogs, Func<AgentConfig, AgentConfig>? configure, params string[] names)
    {
        Store = new InMemoryDcsStore(Time);
        var bootstrap = new DynamicConfig();
        foreach (var (name, i) in names.Select((n, i) => (n, i + 1)))
        {
            var baseConfig = new AgentConfig
            {
                Scope = "demo",
                Name = name,
                RestApi = new RestApiConfig { ConnectAddress = $"127.0.0.{i}:8008" },
                Postgresql = new PostgresqlConfig { ConnectAddress = $"127.0.0.{i}:5432", DataDir = $"/fake/{name}" },
                Bootstrap = new BootstrapConfig { Dcs = bootstrap },
            };
            var config = configure?.Invoke(baseConfig) ?? baseConfig;
            var dcs = new InMemoryDcs(Store, name, Time);
            var pg = new FakePostgres(name, n => _nodes.TryGetValue(n, out var node) ? node.Postgres : null, Time);
            var watchdog = watchdogs?.Invoke(name, Time) ?? new FakeWatchdog();
            var board = new StatusBoard();
            var lease = new LeaseClock(Time, () => watchdog.ResetDueTimestamp);
            var routing = new RecordingRoutingPush(lease);
            var executor = new HaPlanExecutor(dcs, pg, watchdog, lease, Time, NullLogger<HaPlanExecutor>.Instance, failsafeClient: this, routing: routing, releaseClient: this);
            var failsafe = new FailsafeAcceptance(Time);
            var loop = new HaLoop(config, dcs, pg, watchdog, this, executor, lease, board, Time, NullLogger<HaLoop>.Instance, failsafe: failsafe);
            _nodes[name] = new ComponentNode
            {
                Name = name, Dcs = dcs, Postgres = pg, Board = board, Loop = loop, WatchdogPort = watchdog, Config = config, Requests = executor.Requests,
                Failsafe = failsafe, Routing = routing,
            };
        }
    }

    public FakeTimeProvider Time { get; } = new();
    public InMemoryDcsStore Store { get; }

    public ComponentNode this[string name] => _nodes[name];

    public IEnumerable<ComponentNode> Nodes => _nodes.Values;

    public IEnumerable<ComponentNode> Primaries => _nodes.Values.Where(n => n.Postgres.AcceptsWrites);

    /// <summary>One HA cycle on every live node, in name order.</summary>
    public async Task CycleAsync()
    {
        foreach (var node in _nodes.Values.Where(n => n.Alive))
        {
            var outcome = await node.Loop.RunCycleAsync(CancellationToken.None);
            node.Reasons.Add(outcome.Reason);
        }
    }

    /// <summary>Lets loop_wait pass, then cycles; repeated <paramref name="cycles"/> times.</summary>
    public async Task RunForAsync(int cycles, int loopWaitSeconds = 10)
    {
        for (var i = 0; i < cycles; i++)
        {
            Time.Advance(TimeSpan.FromSeconds(loopWaitSeconds));
            await CycleAsync();
        }
    }

    public async Task BootstrapAsync()
    {
        await CycleAsync();
        await RunForAsync(1);
        Assert.Single(Primaries);
    }

    public Task<IReadOnlyList<PeerStatus>> GetStatusesAsync(IReadOnlyList<Member> members, TimeSpan timeout, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<PeerStatus>>([.. members.Select(m =>
            _nodes.TryGetValue(m.Name, out var node) && node.Alive
                ? new PeerStatus(m.Name, true, !node.Postgres.AcceptsWrites, new Lsn(node.Postgres.Wal), node.Postgres.Timeline, false, false)
                : PeerStatus.Unreachable(m.Name))]);

    /// <summary>POST /leader_release to live nodes' receivers (NodeAgent.Commands.LeaderReleaseReceiver) in name order, as their REST APIs would.</summary>
    public async Task<string?> SendAsync(IReadOnlyDictionary<string, string> members, NodeAgent.Dcs.LeaderRelease release, TimeSpan timeout, CancellationToken cancellationToken)
    {
        foreach (var name in members.Keys.Order(StringComparer.Ordinal))
        {
            if (!_nodes.TryGetValue(name, out var node) || !node.Alive)
            {
                continue;
            }

            var receiver = new NodeAgent.Commands.LeaderReleaseReceiver(node.Dcs, node.Failsafe, () => node.Loop.Dynamic.RetryTimeout, () => { },
                NullLogger<NodeAgent.Commands.LeaderReleaseReceiver>.Instance);
            var body = new System.Text.Json.Nodes.JsonObject { ["leader"] = release.Leader, ["mod_revision"] = release.ModRevision };
            if ((await receiver.ReleaseAsync(body, cancellationToken)).StatusCode == 200)
            {
                ReleasedBy.Add((release.Leader, name));
                return name;
            }
        }

        return null;
    }

    /// <summary>Every leader key released for its holder: (holder, the member that deleted it).</summary>
    public List<(string Leader, string By)> ReleasedBy { get; } = [];

    /// <summary>POST /failsafe to a live node's receiver (NodeAgent.Commands.FailsafeReceiver), as its REST API would.</summary>
    public Task<IReadOnlyList<string>> SendAsync(IReadOnlyDictionary<string, string> members, FailsafeHeartbeat heartbeat, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var refused = new List<string>();
        foreach (var name in members.Keys)
        {
            if (!_nodes.TryGetValue(name, out var node) || !node.Alive)
            {
                refused.Add(name);
                continue;
            }

            var receiver = new NodeAgent.Commands.FailsafeReceiver(node.Failsafe, () => node.Loop.Dynamic, () => node.Postgres.AcceptsWrites);
            var body = new System.Text.Json.Nodes.JsonObject
            {
                ["name"] = heartbeat.Name, ["conn_url"] = heartbeat.ConnUrl, ["api_url"] = heartbeat.ApiUrl, ["ttl"] = heartbeat.Ttl,
            };
            if (receiver.Accept(body).StatusCode != 200)
            {
                refused.Add(name);
            }
        }

        return Task.FromResult<IReadOnlyList<string>>(refused);
    }
}
