using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging.Abstractions;
using NodeAgent.Api.Status;
using NodeAgent.Cluster;
using NodeAgent.Configuration;
using NodeAgent.Fencing;
using NodeAgent.Ha;
using NodeAgent.Tests.Component;
using NodeAgent.Tests.Watchdog;
using NodeAgent.Watchdog;
using WatchdogFacade = NodeAgent.Watchdog.Watchdog;

namespace NodeAgent.Tests.Simulation;

internal sealed record SimOptions
{
    /// <summary>Mutation switch: leader renewal re-puts the key unconditionally (Patroni 3.0.2's _update_leader).</summary>
    public bool UnconditionalLeaderPut { get; init; }
}

internal sealed record SimResult(int Seed, string? Failure, long Events, IReadOnlyList<string> Trace)
{
    public bool Ok => Failure is null;

    public override string ToString() =>
        $"seed {Seed}: {Failure ?? "ok"} ({Events} events)" + (Trace.Count > 0 ? Environment.NewLine + string.Join(Environment.NewLine, Trace) : "");
}

/// <summary>
/// A 3-5 node cluster of real <see cref="HaLoop"/>/<see cref="HaPlanExecutor"/>/<see cref="HaDecider"/> instances on
/// simulated etcd, postgres, fence and clock, under a fault schedule drawn from one seed. Safety is checked after
/// every event (never two writable postgres at the same instant); liveness once, 3*ttl after the last fault healed
/// (exactly one writable postgres, and it holds the leader key).
/// </summary>
internal sealed class HaSimulation : IPeerStatusClient
{
    public const int Ttl = 30;
    public const int LoopWait = 10;
    private const double WarmupSeconds = 25;

    private readonly Random _random;
    private readonly SimOptions _options;
    private readonly List<SimNode> _nodes = [];
    private readonly int _seed;
    private readonly Dictionary<long, DynamicConfig> _resolved = [];
    private long _nextSysid = 7_100_000_000_000_000_000;
    private string? _failure;

    private HaSimulation(int seed, SimOptions options, bool trace)
    {
        _seed = seed;
        _random = new Random(seed);
        _options = options;
        var clock = new FakeTimeProvider();
        Scheduler = new SimScheduler(clock, trace);
        Store = new InMemoryDcsStore(clock, Ttl);
        Network = new SimNetwork(this);
    }

    public SimScheduler Scheduler { get; }
    public InMemoryDcsStore Store { get; }
    public SimNetwork Network { get; }
    public long EtcdDownUntil { get; private set; }
    public const double RetryTimeoutSeconds = 10;

    /// <summary>Runs one schedule on a fresh thread of its own (see <see cref="RunOnCurrentThread"/>).</summary>
    public static SimResult Run(int seed, SimOptions? options = null, bool trace = false)
    {
        SimResult? result = null;
        var thread = new Thread(() => result = RunOnCurrentThread(seed, options, trace), 16 * 1024 * 1024);
        thread.Start();
        thread.Join();
        return result!;
    }

    /// <summary>
    /// Runs one schedule here. The thread must have no synchronization context and no task scheduler of its own
    /// (not an xunit or Parallel.For thread): only then do awaits resume inline, keeping the run single-threaded.
    /// </summary>
    public static SimResult RunOnCurrentThread(int seed, SimOptions? options = null, bool trace = false)
    {
        var sim = new HaSimulation(seed, options ?? new SimOptions(), trace);
        sim.Execute();
        return new SimResult(seed, sim.Scheduler.Escaped ?? sim._failure, sim.Scheduler.Events, sim.Scheduler.Trace);
    }

    public double Uniform(double min, double max) => min + (_random.NextDouble() * (max - min));

    public bool Chance(double p) => _random.NextDouble() < p;

    public void Log([InterpolatedStringHandlerArgument("")] ref TraceMessage what) => Scheduler.Log($"{what.ToStringAndClear()}");

    public SimPostgres? Postgres(string name) => _nodes.Find(n => n.Name == name) is { MachineUp: true } n ? n.Postgres : null;

    public string NextSystemIdentifier() => (++_nextSysid).ToString(CultureInfo.InvariantCulture);

    /// <summary>Hands an answer to the agent that asked, unless it died since; a frozen agent gets it when it thaws.</summary>
    public void Deliver(SimNode node, int generation, Action action)
    {
        if (node.Generation != generation || !node.AgentUp)
        {
            return;
        }

        if (Scheduler.Now < node.PausedUntil)
        {
            Scheduler.At(node.PausedUntil, () => Deliver(node, generation, action));
            return;
        }

        action();
    }

    /// <summary>The safety invariant: at no simulated instant do two postgres accept writes.</summary>
    public bool CheckSafety()
    {
        if (_failure is not null)
        {
            return false;
        }

        var writable = _nodes.Where(n => n.Postgres.AcceptsWrites).ToList();
        if (writable.Count > 1)
        {
            _failure = string.Create(CultureInfo.InvariantCulture,
                $"SPLIT BRAIN at {Scheduler.Seconds(Scheduler.Now):F3}s: {string.Join(", ", writable.Select(n => $"{n.Name} ({n.Postgres.State})"))} accept writes; leader key {Store.Leader?.Name ?? "none"}");
            Log($"{_failure}");
        }

        return _failure is null;
    }

    public void CrashMachine(SimNode node, string why)
    {
        if (!node.MachineUp)
        {
            return;
        }

        Log($"{node.Name}: MACHINE DOWN ({why})");
        node.MachineUp = false;
        StopAgent(node);
        node.Postgres.Kill(why);
        node.Device?.Reset();
        var token = ++node.RestartToken;
        Scheduler.After(Uniform(5, 20), () => RebootMachine(node, token));
    }

    public Task<IReadOnlyList<PeerStatus>> GetStatusesAsync(IReadOnlyList<Member> members, TimeSpan timeout, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<PeerStatus>>([.. members.Select(m =>
            _nodes.Find(n => n.Name == m.Name) is { AgentUp: true } n && Scheduler.Now >= n.PausedUntil
                ? new PeerStatus(m.Name, true, !n.Postgres.AcceptsWrites, new Lsn(n.Postgres.Wal), n.Postgres.Timeline, false, false)
                : PeerStatus.Unreachable(m.Name))]);

    private void Execute()
    {
        var count = _random.Next(100) switch { < 60 => 3, < 85 => 4, _ => 5 };
        for (var i = 1; i <= count; i++)
        {
            var node = new SimNode { Name = $"n{i}", Config = Config(i) };
            node.Postgres = new SimPostgres(this, node);
            node.Device = Chance(0.3) ? new SimWatchdogDevice(this, node) : null;
            _nodes.Add(node);
            var start = Uniform(0, 2);
            Scheduler.After(start, () => BootAgent(node));
        }

        Log($"seed {_seed}: {count} nodes, watchdog devices on {string.Join(",", _nodes.Where(n => n.Device is not null).Select(n => n.Name))}");
        var healed = new FaultPlan(this, _nodes, Scheduler.Now + SimScheduler.Ticks(WarmupSeconds)).Schedule();

        // Everything a fault left in flight (frozen answers, slow calls, leases, fence deadlines) has played out a
        // ttl after the heal; from then on the run ends as soon as there is a single leader, or fails at 3*ttl.
        if (!Scheduler.RunUntil(healed + SimScheduler.Ticks(Ttl), CheckSafety) || SingleLeader())
        {
            return;
        }

        var led = false;
        Scheduler.RunUntil(healed + SimScheduler.Ticks(3 * Ttl), () => CheckSafety() && !(led = SingleLeader()));
        if (_failure is null && !led)
        {
            var writable = _nodes.Where(n => n.Postgres.AcceptsWrites).Select(n => n.Name).ToList();
            _failure = string.Create(CultureInfo.InvariantCulture,
                $"NO SINGLE LEADER {3 * Ttl}s after the faults healed: writable [{string.Join(",", writable)}], leader key {Store.CurrentLeader()?.Name ?? "none"}; {string.Join("; ", _nodes.Select(n => $"{n.Name} {(n.AgentUp ? "up" : "down")} {n.Postgres.State}"))}");
            Log($"{_failure}");
        }
    }

    /// <summary>Liveness: exactly one postgres accepts writes and it is the leader key's holder.</summary>
    private bool SingleLeader()
    {
        SimNode? writable = null;
        foreach (var node in _nodes)
        {
            if (node.Postgres.AcceptsWrites)
            {
                if (writable is not null)
                {
                    return false;
                }

                writable = node;
            }
        }

        return writable is not null && Store.CurrentLeader()?.Name == writable.Name;
    }

    public void BootAgent(SimNode node)
    {
        if (!node.MachineUp || node.AgentUp)
        {
            return;
        }

        node.Generation++;
        node.AgentUp = true;
        node.PausedUntil = 0;
        var dcs = new SimDcs(this, node) { UnconditionalLeaderPut = _options.UnconditionalLeaderPut };
        var fence = new SimFence(this, node);
        var device = new WatchdogFacade(new WatchdogOptions(WatchdogPolicy.Automatic, "/dev/sim-watchdog", 5),
            node.Device ?? (IWatchdogDevice)new FakeWatchdogDevice { Exists = false }, Scheduler.Clock, NullLogger<WatchdogFacade>.Instance);
        var watchdog = new WatchdogSet(device, fence);
        var board = new StatusBoard();
        var lease = new LeaseClock(Scheduler.Clock);
        var pg = new SimPostgresPort(node.Postgres, this);
        var executor = new HaPlanExecutor(dcs, pg, watchdog, lease, Scheduler.Clock, NullLogger<HaPlanExecutor>.Instance);
        node.Loop = new HaLoop(node.Config, dcs, pg, watchdog, this, executor, lease, board, Scheduler.Clock, NullLogger<HaLoop>.Instance, Resolve);
        node.Fence = fence;
        node.NextRun = Scheduler.Now;
        Log($"{node.Name}: agent started (incarnation {node.Generation}), postgres {node.Postgres.State}");
        var generation = node.Generation;
        Scheduler.At(node.NextRun, () => Deliver(node, generation, () => StartCycle(node, generation)));
    }

    public void KillAgent(SimNode node)
    {
        if (!node.AgentUp)
        {
            return;
        }

        Log($"{node.Name}: AGENT KILLED");
        StopAgent(node);
        var token = ++node.RestartToken;
        Scheduler.After(Uniform(1, 20), () =>
        {
            if (node.RestartToken == token)
            {
                BootAgent(node);
            }
        });
    }

    public void Pause(SimNode node, double seconds)
    {
        if (node.AgentUp)
        {
            node.PausedUntil = Math.Max(node.PausedUntil, Scheduler.Now + SimScheduler.Ticks(seconds));
            Log($"{node.Name}: AGENT FROZEN until {Scheduler.Seconds(node.PausedUntil):F3}s");
        }
    }

    public void EtcdDown(double seconds)
    {
        EtcdDownUntil = Math.Max(EtcdDownUntil, Scheduler.Now + SimScheduler.Ticks(seconds));
        Log($"ETCD DOWN");
    }

    private static void StopAgent(SimNode node)
    {
        node.Generation++;
        node.AgentUp = false;
        node.PausedUntil = 0;
        node.Fence?.AgentDied();
        node.Fence = null;
        node.Loop = null;
    }

    private void RebootMachine(SimNode node, int token)
    {
        if (node.RestartToken != token || node.MachineUp)
        {
            return;
        }

        node.MachineUp = true;
        Log($"{node.Name}: machine up");
        BootAgent(node);
    }

    /// <summary>One HA cycle, then the next at next_run += loop_wait (at once when that already passed), as HaLoop.RunAsync does.</summary>
    private void StartCycle(SimNode node, int generation)
    {
        var task = node.Loop!.RunCycleAsync(CancellationToken.None);
        if (task.IsCompleted)
        {
            CycleDone(node, generation, task);
        }
        else
        {
            task.ContinueWith(t => CycleDone(node, generation, t), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    private void CycleDone(SimNode node, int generation, Task<HaOutcome> cycle)
    {
        Scheduler.OnSimThread();
        if (node.Generation != generation)
        {
            return;
        }

        {
            Log($"{node.Name}: {(cycle.IsFaulted ? "cycle failed: " + cycle.Exception!.InnerException!.Message : cycle.Result.Reason)} [pg {node.Postgres.State}]");
        }

        if (node.Loop!.ExitReason is { } exit)
        {
            Log($"{node.Name}: agent exits: {exit}");
            StopAgent(node);
            return;
        }

        node.NextRun += SimScheduler.Ticks(node.Loop.Dynamic.LoopWait);
        if (node.NextRun <= Scheduler.Now)
        {
            node.NextRun = Scheduler.Now;
        }

        Scheduler.At(node.NextRun, () => Deliver(node, generation, () => StartCycle(node, generation)));
    }

    /// <summary>The real resolver, parsed once per config revision instead of every cycle (the config key rarely changes).</summary>
    private DynamicConfig Resolve(ClusterView cluster, DynamicConfig fallback)
    {
        if (!_resolved.TryGetValue(cluster.ConfigModRevision, out var config))
        {
            config = DynamicConfigResolver.Resolve(cluster, fallback);
            _resolved[cluster.ConfigModRevision] = config;
        }

        return config;
    }

    private static AgentConfig Config(int i) => new()
    {
        Scope = "sim",
        Name = $"n{i}",
        RestApi = new RestApiConfig { ConnectAddress = $"127.0.1.{i}:8008" },
        Postgresql = new PostgresqlConfig { ConnectAddress = $"127.0.1.{i}:5432", DataDir = $"/sim/n{i}" },
        Bootstrap = new BootstrapConfig { Dcs = new DynamicConfig { Ttl = Ttl, LoopWait = LoopWait, RetryTimeout = 10 } },
    };
}
