using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
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

    /// <summary>
    /// Mutation switch: the etcd client keeps its first lease TTL whatever the config says, while the agent times its
    /// lease by the ttl in force (the product before 5f4db2e).
    /// </summary>
    public bool LeaseIgnoresTtlEdits { get; init; }

    /// <summary>
    /// Mutation switch: the lock handover keeps the lease it hands over (no drop, no new key version on return), so a
    /// renewal after etcd comes back counts the key as held while a release request may still delete it.
    /// </summary>
    public bool HandoverKeepsLease { get; init; }

    /// <summary>failsafe_mode on or off; null: the seed chooses.</summary>
    public bool? Failsafe { get; init; }

    /// <summary>The timers to start with; null: the seed chooses (<see cref="SimProfile.ForSeed"/>).</summary>
    public SimProfile? Profile { get; init; }
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
/// every event (never two writable postgres at the same instant, and none writable while another node holds the
/// leader key); liveness once, 3*ttl after the last fault healed (exactly one writable postgres, and it holds the key).
/// </summary>
internal sealed partial class HaSimulation : IPeerStatusClient
{
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
        Profile = options.Profile ?? SimProfile.ForSeed(seed);
        // Half the seeds of each profile run failsafe_mode (seeds 2, 3 mod 4).
        Failsafe = options.Failsafe ?? (seed & 2) != 0;
        MaxTtl = Profile.Ttl;
        var clock = new FakeTimeProvider();
        Scheduler = new SimScheduler(clock, trace);
        Store = new InMemoryDcsStore(clock, Profile.Ttl);
        Network = new SimNetwork(this);
    }

    public SimProfile Profile { get; }

    /// <summary>The cluster runs failsafe_mode: a leader cut from etcd stays primary while every member accepts POST /failsafe.</summary>
    public bool Failsafe { get; }

    /// <summary>The largest ttl in force during the run: how long leases left behind by a fault can live.</summary>
    public int MaxTtl { get; private set; }

    public SimScheduler Scheduler { get; }
    public InMemoryDcsStore Store { get; }
    public SimNetwork Network { get; }
    public long EtcdDownUntil { get; private set; }

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

    /// <summary>
    /// The safety invariants: at no simulated instant do two postgres accept writes; and no postgres accepts writes
    /// while another node holds the leader key (its own lease must have let it stop before that lease could expire
    /// and the key pass on, so this fires before the split brain it leads to).
    /// </summary>
    public bool CheckSafety()
    {
        if (_failure is not null)
        {
            return false;
        }

        SimNode? first = null;
        var count = 0;
        foreach (var node in _nodes)
        {
            if (node.Postgres.AcceptsWrites)
            {
                first ??= node;
                count++;
            }
        }

        // The usual instant: nobody writable, or one writable node that holds the key (or nobody does), without allocating.
        if (count == 0 || (count == 1 && (Store.CurrentLeader() is not { } holder || holder.Name == first!.Name)))
        {
            return true;
        }

        var writable = _nodes.Where(n => n.Postgres.AcceptsWrites).ToList();
        if (writable.Count > 1)
        {
            _failure = string.Create(CultureInfo.InvariantCulture,
                $"SPLIT BRAIN at {Scheduler.Seconds(Scheduler.Now):F3}s: {string.Join(", ", writable.Select(n => $"{n.Name} ({n.Postgres.State})"))} accept writes; leader key {Store.Leader?.Name ?? "none"}");
            Log($"{_failure}");
        }
        else if (writable.Count == 1 && Store.CurrentLeader() is { } key && key.Name != writable[0].Name)
        {
            _failure = string.Create(CultureInfo.InvariantCulture,
                $"LEASE VIOLATION at {Scheduler.Seconds(Scheduler.Now):F3}s: {writable[0].Name} ({writable[0].Postgres.State}) accepts writes while {key.Name} holds the leader key (lease {key.Lease}, ttl {Store.TtlOf(key.Lease)})");
            Log($"{_failure}");
        }

        return _failure is null;
    }

    /// <summary>An operator's edit of the config key's timers (agentctl edit-config); lost while etcd is down.</summary>
    public void EditTimings(int ttl, int loopWait, int retryTimeout)
    {
        if (Scheduler.Now < EtcdDownUntil || Store.Config is not { } current)
        {
            Log($"CONFIG EDIT ttl {ttl} loop_wait {loopWait} retry_timeout {retryTimeout} not written (etcd down or no config yet)");
            return;
        }

        var edited = current.DeepClone().AsObject();
        edited["ttl"] = ttl;
        edited["loop_wait"] = loopWait;
        edited["retry_timeout"] = retryTimeout;
        // Through text, as etcd stores it: the parser reads numbers from JSON, not from boxed ints.
        Store.SetConfig(JsonNode.Parse(edited.ToJsonString())!.AsObject());
        MaxTtl = Math.Max(MaxTtl, ttl);
        Log($"CONFIG EDIT ttl {ttl} loop_wait {loopWait} retry_timeout {retryTimeout}");
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
        var drift = Chance(0.5);
        for (var i = 1; i <= count; i++)
        {
            // Crystal drift: each machine's monotonic clock runs 0.1 % to 1 % fast or slow.
            var rate = drift ? 1 + ((Chance(0.5) ? 1 : -1) * Uniform(0.001, 0.01)) : 1;
            var node = new SimNode { Name = $"n{i}", Config = Config(i), Clock = new NodeClock(Scheduler.Clock, rate) };
            node.Postgres = new SimPostgres(this, node);
            node.Device = Chance(0.3) ? new SimWatchdogDevice(this, node) : null;
            _nodes.Add(node);
            var start = Uniform(0, 2);
            Scheduler.After(start, () => BootAgent(node));
        }

        Log($"seed {_seed}: {count} nodes, {Profile} profile, failsafe_mode {Failsafe}, clock rates {string.Join(",", _nodes.Select(n => n.Clock.Rate.ToString("F4", CultureInfo.InvariantCulture)))}, watchdog devices on {string.Join(",", _nodes.Where(n => n.Device is not null).Select(n => n.Name))}");
        // A fast cluster has bootstrapped and cloned its replicas well within 15 s; simulating more idle cycles costs time.
        var plan = new FaultPlan(this, _nodes, Scheduler.Now + SimScheduler.Ticks(Math.Max(15, WarmupSeconds * Profile.Scale)));
        var healed = plan.Schedule();
        var ttl = Math.Max(Profile.Ttl, plan.MaxTtl);

        // Everything a fault left in flight (frozen answers, slow calls, leases, fence deadlines) has played out a
        // ttl after the heal; from then on the run ends as soon as there is a single leader, or fails at 3*ttl.
        if (!Scheduler.RunUntil(healed + SimScheduler.Ticks(ttl), CheckSafety) || SingleLeader())
        {
            return;
        }

        var led = false;
        Scheduler.RunUntil(healed + SimScheduler.Ticks(3 * ttl), () => CheckSafety() && !(led = SingleLeader()));
        if (_failure is null && !led)
        {
            var writable = _nodes.Where(n => n.Postgres.AcceptsWrites).Select(n => n.Name).ToList();
            _failure = string.Create(CultureInfo.InvariantCulture,
                $"NO SINGLE LEADER {3 * ttl}s after the faults healed: writable [{string.Join(",", writable)}], leader key {Store.CurrentLeader()?.Name ?? "none"}; {string.Join("; ", _nodes.Select(n => $"{n.Name} {(n.AgentUp ? "up" : "down")} {n.Postgres.State}"))}");
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
        // The agent, its fence and its watchdog facade read this machine's clock; etcd counts leases down on its own.
        var clock = node.Clock;
        WatchdogSet? watchdogs = null;
        var lease = new LeaseClock(clock, () => watchdogs?.ResetDueTimestamp);
        var dcs = new SimDcs(this, node, node.Config.Bootstrap.Dcs, lease, _options);
        var fence = new SimFence(this, node);
        var device = new WatchdogFacade(new WatchdogOptions(WatchdogPolicy.Automatic, "/dev/sim-watchdog", 5),
            node.Device ?? (IWatchdogDevice)new FakeWatchdogDevice { Exists = false }, clock, NullLogger<WatchdogFacade>.Instance);
        var watchdog = new WatchdogSet(device, fence);
        watchdogs = watchdog;
        var board = new StatusBoard();
        var pg = new SimPostgresPort(node.Postgres, this);
        var executor = new HaPlanExecutor(dcs, pg, watchdog, lease, clock, NullLogger<HaPlanExecutor>.Instance, failsafeClient: this, releaseClient: this);
        var acceptance = new FailsafeAcceptance(clock);
        var generation = node.Generation;
        // The loop's timers (its naps, its wake-ups) fire as events of this incarnation on this machine's clock.
        var loopClock = new SimAgentClock(this, node, generation);
        ILogger<HaLoop> loopLog = Scheduler.Tracing ? new SimTraceLogger<HaLoop>(this, node.Name) : NullLogger<HaLoop>.Instance;
        var loop = new HaLoop(node.Config, dcs, pg, watchdog, this, executor, lease, board, loopClock, loopLog, Resolve, failsafe: acceptance);
        node.Loop = loop;
        node.FailsafeReceiver = new NodeAgent.Commands.FailsafeReceiver(acceptance, () => loop.Dynamic, () => node.Postgres.AcceptsWrites);
        node.LeaderRelease = new NodeAgent.Commands.LeaderReleaseReceiver(dcs, acceptance, () => loop.Dynamic.RetryTimeout, loop.Wakeup,
            NullLogger<NodeAgent.Commands.LeaderReleaseReceiver>.Instance);
        node.Lease = lease;
        node.Fence = fence;
        Log($"{node.Name}: agent started (incarnation {node.Generation}), postgres {node.Postgres.State}");
        Scheduler.At(Scheduler.Now, () => Deliver(node, generation, () => RunLoop(node, generation)));
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
        node.FailsafeReceiver = null;
        node.LeaderRelease = null;
        node.Loop = null;
        node.Lease = null;
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

    /// <summary>
    /// The agent's real scheduler, <see cref="HaLoop.RunAsync"/>: its naps are timers on the machine's clock
    /// (<see cref="SimAgentClock"/>), so everything after the first await resumes inside simulation events. It returns
    /// only when a decision asks the agent to exit; a killed agent's loop simply never hears from its timers again.
    /// </summary>
    private void RunLoop(SimNode node, int generation)
    {
        var run = node.Loop!.RunAsync(CancellationToken.None);
        run.ContinueWith(
            finished =>
            {
                Scheduler.OnSimThread();
                if (node.Generation != generation)
                {
                    return;
                }

                Log($"{node.Name}: agent exits: {(finished.IsFaulted ? finished.Exception!.GetBaseException().Message : node.Loop?.ExitReason)}");
                StopAgent(node);
            },
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
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

    private AgentConfig Config(int i) => new()
    {
        Scope = "sim",
        Name = $"n{i}",
        RestApi = new RestApiConfig { ConnectAddress = $"127.0.1.{i}:8008" },
        Postgresql = new PostgresqlConfig { ConnectAddress = $"127.0.1.{i}:5432", DataDir = $"/sim/n{i}" },
        // The config key the bootstrap writes carries the profile's timers, or every node would fall back to the defaults.
        Bootstrap = new BootstrapConfig
        {
            Dcs = new DynamicConfig { Ttl = Profile.Ttl, LoopWait = Profile.LoopWait, RetryTimeout = Profile.RetryTimeout, FailsafeMode = Failsafe },
            DcsJson = new JsonObject
            {
                ["ttl"] = Profile.Ttl, ["loop_wait"] = Profile.LoopWait, ["retry_timeout"] = Profile.RetryTimeout, ["failsafe_mode"] = Failsafe,
            },
        },
    };
}
