using NodeAgent.Cluster;
using NodeAgent.Configuration;
using NodeAgent.Postgres;

namespace NodeAgent.Tests.Simulation;

/// <summary>
/// The postgres of one simulated machine. It outlives agent restarts (its data dir is on disk) and runs on its
/// own: an operation takes simulated time and takes effect when it completes, even while the agent is frozen;
/// the answer then reaches the agent through <see cref="HaSimulation.Deliver"/>. WAL grows while writable,
/// replicas catch up with a running upstream of the same system, a kill (fence, crash) is instant.
/// </summary>
internal sealed class SimPostgres(HaSimulation sim, SimNode node)
{
    public string Name => node.Name;

    private const double WalBytesPerSecond = 1000;
    private long _walTick;
    private int _epoch;

    public DataDirState DataDir { get; private set; } = DataDirState.Empty;
    public bool Running { get; private set; }
    public bool InRecovery { get; private set; }
    public string? SystemIdentifier { get; private set; }
    public int Timeline { get; private set; } = 1;
    public ulong Wal { get; private set; }
    public string? Following { get; private set; }
    public string ClusterState { get; private set; } = "";
    private bool _crashed;

    /// <summary>A hung postgres still counts as writable: it may carry on with the writes in flight at any moment.</summary>
    public bool AcceptsWrites => Running && !InRecovery;

    /// <summary>Running, but answering no SQL (stuck on I/O or a lock): queries run into their deadline.</summary>
    public bool Hung => Running && sim.Scheduler.Now < node.HungUntil;

    /// <summary>
    /// PostgresInstance.ObserveAsync after the status query timed out: the postmaster runs, pg_controldata tells the
    /// rest; not accepting connections, role unknown, no WAL position, postmaster.pid says ready (not "starting").
    /// </summary>
    public PostgresObservation ObserveUnanswered()
    {
        TickWal();
        var crashed = _crashed;
        _crashed = false;
        return new PostgresObservation
        {
            DataDir = DataDir,
            IsRunning = Running,
            CrashedSinceLastObservation = crashed,
            SystemIdentifier = DataDir == DataDirState.Initialized ? SystemIdentifier : null,
            ClusterState = ClusterState,
            Timeline = DataDir == DataDirState.Initialized ? Timeline : null,
            FollowingMember = Running && InRecovery ? Following : null,
        };
    }

    /// <summary>Delivers <paramref name="answer"/> to the agent after <paramref name="seconds"/>, unless it died meanwhile.</summary>
    public Task<T> After<T>(double seconds, Func<T> answer)
    {
        var tcs = new TaskCompletionSource<T>();
        var generation = node.Generation;
        sim.Scheduler.After(seconds, () => sim.Deliver(node, generation, () => tcs.SetResult(answer())));
        return tcs.Task;
    }

    /// <summary>SIGQUIT from the fence, or the machine died: the postmaster is gone now; operations in flight die with it.</summary>
    public void Kill(string why)
    {
        TickWal();
        _epoch++;
        if (Running)
        {
            sim.Log($"{node.Name}: postgres killed ({why})");
            Running = false;
            _crashed = true;
            ClusterState = InRecovery ? "in archive recovery" : "in production";
        }
    }

    public PostgresObservation Observe()
    {
        TickWal();
        if (Running && InRecovery && Following is { } up && sim.Postgres(up) is { Running: true } upstream && upstream.SystemIdentifier == SystemIdentifier)
        {
            upstream.TickWal();
            Wal = Math.Max(Wal, upstream.Wal);
            Timeline = Math.Max(Timeline, upstream.Timeline);
        }

        var crashed = _crashed;
        _crashed = false;
        return new PostgresObservation
        {
            DataDir = DataDir,
            IsRunning = Running,
            IsAcceptingConnections = Running,
            IsInRecovery = Running ? InRecovery : null,
            SystemIdentifier = SystemIdentifier,
            Timeline = DataDir == DataDirState.Initialized ? Timeline : null,
            WalPosition = DataDir == DataDirState.Initialized ? new Lsn(Wal) : null,
            FollowingMember = Running && InRecovery ? Following : null,
            ClusterState = ClusterState,
            CrashedSinceLastObservation = crashed,
        };
    }

    /// <summary>Runs <paramref name="effect"/> after a random duration unless postgres was killed meanwhile; the agent gets the result.</summary>
    public Task<T> Operation<T>(string what, double minSeconds, double maxSeconds, Func<T> effect, T whenKilled)
    {
        var tcs = new TaskCompletionSource<T>();
        var generation = node.Generation;
        var epoch = _epoch;
        sim.Log($"{node.Name}: postgres {what} requested");
        sim.Scheduler.After(sim.Uniform(minSeconds, maxSeconds), () =>
        {
            T result;
            try
            {
                TickWal();
                result = epoch == _epoch ? effect() : whenKilled;
            }
            catch (IOException e)
            {
                sim.Deliver(node, generation, () => tcs.SetException(e));
                return;
            }

            sim.Log($"{node.Name}: postgres {what} done -> {State}");
            sim.CheckSafety();
            sim.Deliver(node, generation, () => tcs.SetResult(result));
        });
        return tcs.Task;
    }

    public string State => !Running ? $"down ({DataDir}, {ClusterState})" : InRecovery ? $"replica of {Following ?? "-"} tl {Timeline}" : $"PRIMARY tl {Timeline}";

    public bool InitDb()
    {
        DataDir = DataDirState.Initialized;
        SystemIdentifier = sim.NextSystemIdentifier();
        Wal = 0x3000000;
        ClusterState = "shut down";
        return true;
    }

    public bool CloneFrom(string upstream)
    {
        var source = sim.Postgres(upstream);
        if (source is not { Running: true })
        {
            throw new IOException($"pg_basebackup: could not connect to {upstream}");
        }

        source.TickWal();
        DataDir = DataDirState.Initialized;
        SystemIdentifier = source.SystemIdentifier;
        Timeline = source.Timeline;
        Wal = source.Wal;
        ClusterState = "shut down in recovery";
        return true;
    }

    public bool Start(bool asPrimary, string? upstream)
    {
        if (DataDir != DataDirState.Initialized || Running)
        {
            return Running && !asPrimary == InRecovery;
        }

        Running = true;
        InRecovery = !asPrimary;
        Following = asPrimary ? null : upstream;
        ClusterState = asPrimary ? "in production" : "in archive recovery";
        return true;
    }

    public bool RemoveData()
    {
        if (Running)
        {
            throw new IOException("postgres still runs");
        }

        DataDir = DataDirState.Empty;
        SystemIdentifier = null;
        return true;
    }

    public bool Stop()
    {
        if (Running)
        {
            Running = false;
            ClusterState = InRecovery ? "shut down in recovery" : "shut down";
        }

        return true;
    }

    public bool Promote()
    {
        if (!Running || !InRecovery)
        {
            return false;
        }

        InRecovery = false;
        Following = null;
        Timeline++;
        ClusterState = "in production";
        return true;
    }

    public void Follow(string? upstream) => Following = upstream;

    public void TickWal()
    {
        var now = sim.Scheduler.Now;
        if (AcceptsWrites)
        {
            Wal += (ulong)((now - _walTick) * WalBytesPerSecond / TimeSpan.TicksPerSecond);
        }

        _walTick = now;
    }
}

/// <summary>The agent's <see cref="IPostgresInstance"/> port onto the machine's <see cref="SimPostgres"/>.</summary>
internal sealed class SimPostgresPort(SimPostgres pg, HaSimulation sim) : IPostgresInstance
{
    public Task<bool> ApplyDynamicConfigAsync(DynamicConfig dynamic, CancellationToken cancellationToken) => Task.FromResult(false);

    public Task<bool> ReloadLocalConfigAsync(AgentConfig config, CancellationToken cancellationToken) => Task.FromResult(false);

    /// <summary>The simulation models divergence through timelines of its own; the rejoin check always passes.</summary>
    public bool WasPrimarySinceRejoinCheck => false;

    public void RequireDivergenceCheck()
    {
    }

    public Task<NodeAgent.Postgres.Rewind.RejoinResult> PrepareRejoinAsync(UpstreamTarget upstream, DynamicConfig dynamic, CancellationToken cancellationToken) =>
        Task.FromResult(NodeAgent.Postgres.Rewind.RejoinResult.NotNeeded("simulated: not diverged"));

    /// <summary>No postmaster.pid to watch: the loop naps as usual and the next observation tells.</summary>
    public Task<bool> WaitAcceptingAsync(TimeSpan timeout, CancellationToken cancellationToken) => Task.FromResult(false);

    /// <summary>The SQL budget of PostgresInstance: a hung postgres's status query fails after it.</summary>
    private const double SqlBudgetSeconds = 3;

    public Task<PostgresObservation> ObserveAsync(CancellationToken cancellationToken)
    {
        sim.Scheduler.OnSimThread();
        if (pg.Hung)
        {
            sim.Log($"{pg.Name}: postgres status query timed out");
            return pg.After(SqlBudgetSeconds, () => pg.Hung ? pg.ObserveUnanswered() : pg.Observe());
        }

        return Task.FromResult(pg.Observe());
    }

    public Task<bool> StartBootstrappedAsync(CancellationToken cancellationToken) => StartAsync(asPrimary: true, null, cancellationToken);

    public Task RunPostBootstrapAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task InitializeAsync(CancellationToken cancellationToken) => pg.Operation("initdb", 0.5, 3, pg.InitDb, false);

    public Task CloneFromAsync(UpstreamTarget? source, CancellationToken cancellationToken) =>
        source is null
            ? throw new InvalidOperationException("the simulation has no create_replica_methods that work without a leader")
            : pg.Operation($"clone from {source.MemberName}", 1, 5, () => pg.CloneFrom(source.MemberName), false);

    // The client hold-off is a listen address; the simulation has no TCP clients to hold off.
    public void HoldOffClientsAfterSwitchover()
    {
    }

    public Task OpenToClientsAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void RelayHeldOffClientsTo(NodeAgent.Postgres.Relay.RelayTarget? target)
    {
    }

    public Task<bool> StartAsync(bool asPrimary, UpstreamTarget? upstream, CancellationToken cancellationToken) =>
        pg.Operation(asPrimary ? "start as primary" : $"start as replica of {upstream?.MemberName ?? "-"}", 0.2, 3,
            () => pg.Start(asPrimary, upstream?.MemberName), false);

    /// <summary>A CHECKPOINT is SQL: a hung postgres holds the demotion for the budget.</summary>
    public Task CheckpointBeforeStopAsync(TimeSpan budget, CancellationToken cancellationToken) =>
        pg.After(pg.Hung ? budget.TotalSeconds : 0.05, () => true);

    public Task StopAsync(StopMode mode, bool checkpoint, CancellationToken cancellationToken) =>
        pg.Operation($"stop {mode}", 0.05, mode == StopMode.Immediate ? 0.3 : 2, pg.Stop, true);

    /// <summary>pg_promote() is SQL: a hung postgres lets it run into its deadline.</summary>
    public Task<bool> PromoteAsync(CancellationToken cancellationToken) =>
        pg.Hung ? pg.After(SqlBudgetSeconds, () => false) : pg.Operation("promote", 0.1, 2, pg.Promote, false);

    public Task<RestartOutcome> RestartAsync(TimeSpan startTimeout, CancellationToken cancellationToken)
    {
        var asPrimary = !pg.InRecovery;
        var upstream = pg.Following;
        return pg.Operation("restart", 0.3, 4, () => pg.Stop() && pg.Start(asPrimary, upstream) ? RestartOutcome.Restarted : RestartOutcome.Failed, RestartOutcome.Failed);
    }

    public Task RemoveDataDirectoryAsync(CancellationToken cancellationToken) => pg.Operation("remove data directory", 0.05, 0.5, pg.RemoveData, false);

    public Task FollowAsync(UpstreamTarget? upstream, CancellationToken cancellationToken)
    {
        sim.Scheduler.OnSimThread();
        pg.Follow(upstream?.MemberName);
        return Task.CompletedTask;
    }

    public Task CreateRolesAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task SyncReplicationSlotsAsync(IReadOnlySet<string> desiredPhysicalSlots, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>The last synchronous_standby_names the executor set (null: none).</summary>
    public string? SynchronousStandbyNames { get; private set; }

    public Task<bool> SetSynchronousStandbyNamesAsync(string? value, bool reload, CancellationToken cancellationToken)
    {
        var changed = value != SynchronousStandbyNames;
        SynchronousStandbyNames = value;
        return Task.FromResult(changed);
    }

    public Task ReloadAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<IReadOnlyList<TimelineHistoryEntry>> ReadTimelineHistoryAsync(int timeline, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<TimelineHistoryEntry>>([.. Enumerable.Range(1, Math.Max(0, timeline - 1)).Select(t => new TimelineHistoryEntry(t, pg.Wal, "no recovery target specified", null, null))]);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
