using NodeAgent.Cluster;
using NodeAgent.Configuration;
using NodeAgent.Postgres;
using NodeAgent.Postgres.Rewind;

namespace NodeAgent.Tests.Component;

/// <summary>
/// A postgres as a small state machine: data dir, running, in recovery, timeline, WAL position.
/// Replicas catch up with their upstream on each observation. Every call is logged for order asserts.
/// </summary>
internal sealed class FakePostgres(string name, Func<string, FakePostgres?> lookup, TimeProvider? time = null) : IPostgresInstance
{
    private static long s_nextSysid = 7_212_345_678_901_234_567;

    public string Name { get; } = name;
    public DataDirState DataDir { get; private set; } = DataDirState.Empty;
    public bool Running { get; private set; }
    public bool InRecovery { get; private set; }
    public string? SystemIdentifier { get; private set; }
    public int Timeline { get; private set; } = 1;
    public ulong Wal { get; private set; }
    public string? Following { get; private set; }
    public string ClusterState { get; private set; } = "";
    public List<string> Actions { get; } = [];

    /// <summary>How many times the postmaster started.</summary>
    public int Starts { get; private set; }

    /// <summary>When the postmaster last started (the fake clock's wall time).</summary>
    public DateTimeOffset StartedAt { get; private set; }

    /// <summary>A settings change waits for a restart (pending_restart).</summary>
    public bool PendingRestart { get; set; }

    /// <summary>What <see cref="RestartAsync"/> ends with.</summary>
    public RestartOutcome RestartOutcome { get; set; } = RestartOutcome.Restarted;

    private string? _startBlocked;

    /// <summary>What <see cref="PrepareRejoinAsync"/> answers; by default the data never diverged.</summary>
    public Func<UpstreamTarget, RejoinResult> Rejoin { get; set; } = _ => RejoinResult.NotNeeded("fake: not diverged");

    public bool AcceptsWrites => Running && !InRecovery;

    /// <summary>The fake keeps its WAL in step with the leader, so no divergence check is ever owed.</summary>
    public bool WasPrimarySinceRejoinCheck => false;

    public void RequireDivergenceCheck() => Actions.Add("divergence check owed");

    /// <summary>A client write: only a primary takes it.</summary>
    public bool TryWrite(ulong bytes = 1000)
    {
        if (!AcceptsWrites)
        {
            return false;
        }

        Wal += bytes;
        return true;
    }

    /// <summary>The machine died: postmaster gone without a clean shutdown.</summary>
    public void Crash()
    {
        Running = false;
        Actions.Add("crash");
    }

    public Task<bool> ApplyDynamicConfigAsync(DynamicConfig dynamic, CancellationToken cancellationToken) => Task.FromResult(false);

    public Task<bool> ReloadLocalConfigAsync(AgentConfig config, CancellationToken cancellationToken)
    {
        Actions.Add("reload local config");
        return Task.FromResult(false);
    }

    /// <summary>No postmaster.pid to watch: the loop naps as usual and the next observation tells.</summary>
    public Task<bool> WaitAcceptingAsync(TimeSpan timeout, CancellationToken cancellationToken) => Task.FromResult(false);

    public Task<PostgresObservation> ObserveAsync(CancellationToken cancellationToken)
    {
        if (Running && InRecovery && Following is { } up && lookup(up) is { Running: true, SystemIdentifier: var sys } upstream && sys == SystemIdentifier)
        {
            Wal = Math.Max(Wal, upstream.Wal);
            Timeline = Math.Max(Timeline, upstream.Timeline);
        }

        return Task.FromResult(new PostgresObservation
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
            StartBlocked = Running ? null : _startBlocked,
            PostmasterStartTime = Running ? StartedAt : null,
            PendingRestart = Running && PendingRestart,
            ServerVersion = Running ? 150018 : null,
        });
    }

    public Task<bool> StartBootstrappedAsync(CancellationToken cancellationToken) => StartAsync(asPrimary: true, null, cancellationToken);

    /// <summary>When set, post_bootstrap fails (a script that exits non-zero).</summary>
    public bool FailPostBootstrap { get; set; }

    public Task RunPostBootstrapAsync(CancellationToken cancellationToken)
    {
        Actions.Add("post_bootstrap");
        return FailPostBootstrap ? throw new InvalidOperationException("post_bootstrap script /bin/false returned non-zero code 1") : Task.CompletedTask;
    }

    public Task InitializeAsync(CancellationToken cancellationToken)
    {
        Actions.Add("initdb");
        DataDir = DataDirState.Initialized;
        SystemIdentifier = Interlocked.Increment(ref s_nextSysid).ToString(System.Globalization.CultureInfo.InvariantCulture);
        Wal = 0x3000000;
        ClusterState = "shut down";
        return Task.CompletedTask;
    }

    /// <summary>When set, the next clone waits for it (a long pg_basebackup); taken by that clone.</summary>
    public TaskCompletionSource? CloneGate { get; set; }

    public async Task CloneFromAsync(UpstreamTarget? from, CancellationToken cancellationToken)
    {
        var upstream = from ?? throw new IOException("no create_replica_methods entry works without a leader here");
        Actions.Add($"clone {upstream.MemberName}");
        if (CloneGate is { } gate)
        {
            CloneGate = null;
            await gate.Task.WaitAsync(cancellationToken);
        }

        var source = lookup(upstream.MemberName) ?? throw new IOException($"no such upstream {upstream.MemberName}");
        DataDir = DataDirState.Initialized;
        SystemIdentifier = source.SystemIdentifier;
        Timeline = source.Timeline;
        Wal = source.Wal;
        ClusterState = "shut down in recovery";
    }

    // Only the listen address of later replica starts changes: nothing to record.
    public void HoldOffClientsAfterSwitchover()
    {
    }

    public Task OpenToClientsAsync(CancellationToken cancellationToken)
    {
        Actions.Add("open to clients");
        return Task.CompletedTask;
    }

    /// <summary>What the HA loop last named as the primary to relay held-off clients to.</summary>
    public NodeAgent.Postgres.Relay.RelayTarget? RelayTarget { get; private set; }

    public void RelayHeldOffClientsTo(NodeAgent.Postgres.Relay.RelayTarget? target) => RelayTarget = target;

    public Task<bool> StartAsync(bool asPrimary, UpstreamTarget? upstream, CancellationToken cancellationToken)
    {
        Actions.Add(asPrimary ? "start primary" : $"start replica {upstream?.MemberName ?? "-"}");
        if (DataDir != DataDirState.Initialized || Running)
        {
            return Task.FromResult(Running && !asPrimary == InRecovery);
        }

        Running = true;
        Started();
        InRecovery = !asPrimary;
        Following = asPrimary ? null : upstream?.MemberName;
        ClusterState = asPrimary ? "in production" : "in archive recovery";
        return Task.FromResult(true);
    }

    /// <summary>Runs as the checkpoint before a stop starts (what the health checks and the routing saw then).</summary>
    public Action? OnCheckpoint { get; set; }

    public Task CheckpointBeforeStopAsync(TimeSpan budget, CancellationToken cancellationToken)
    {
        Actions.Add("checkpoint");
        OnCheckpoint?.Invoke();
        return Task.CompletedTask;
    }

    public Task StopAsync(StopMode mode, bool checkpoint, CancellationToken cancellationToken)
    {
        Actions.Add($"stop {mode.ToString().ToLowerInvariant()}{(checkpoint ? " checkpoint" : "")}");
        if (Running)
        {
            Running = false;
            ClusterState = InRecovery ? "shut down in recovery" : "shut down";
        }

        return Task.CompletedTask;
    }

    /// <summary>When set, the next restart keeps postgres down until it completes (a slow start); taken by that restart.</summary>
    public TaskCompletionSource? RestartGate { get; set; }

    public async Task<RestartOutcome> RestartAsync(TimeSpan startTimeout, CancellationToken cancellationToken)
    {
        Actions.Add($"restart (timeout {startTimeout.TotalSeconds:0} s)");
        if (DataDir != DataDirState.Initialized)
        {
            return RestartOutcome.Failed;
        }

        Running = false;
        if (RestartGate is { } gate)
        {
            RestartGate = null;
            await gate.Task.WaitAsync(cancellationToken);
        }

        Running = RestartOutcome != RestartOutcome.Failed;
        Started();
        PendingRestart = false;
        ClusterState = InRecovery ? "in archive recovery" : "in production";
        return RestartOutcome;
    }

    private void Started()
    {
        Starts++;
        StartedAt = time?.GetUtcNow() ?? DateTimeOffset.UnixEpoch.AddHours(Starts);
    }

    public Task RemoveDataDirectoryAsync(CancellationToken cancellationToken)
    {
        Actions.Add("remove data directory");
        if (Running)
        {
            throw new InvalidOperationException("postgres still runs");
        }

        DataDir = DataDirState.Empty;
        SystemIdentifier = null;
        Following = null;
        return Task.CompletedTask;
    }

    /// <summary>Runs as a promotion starts, before postgres leaves recovery (what the health checks answer then).</summary>
    public Action? OnPromote { get; set; }

    public Task<bool> PromoteAsync(CancellationToken cancellationToken)
    {
        Actions.Add("promote");
        OnPromote?.Invoke();
        if (!Running || !InRecovery)
        {
            return Task.FromResult(false);
        }

        InRecovery = false;
        Following = null;
        Timeline++;
        ClusterState = "in production";
        return Task.FromResult(true);
    }

    public Task FollowAsync(UpstreamTarget? upstream, CancellationToken cancellationToken)
    {
        Actions.Add($"follow {upstream?.MemberName ?? "-"}");
        Following = upstream?.MemberName;
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
        Task.FromResult<IReadOnlyList<TimelineHistoryEntry>>([.. Enumerable.Range(1, timeline - 1).Select(t => new TimelineHistoryEntry(t, Wal, "no recovery target specified", null, Name))]);

    /// <summary>The rejoin check completes asynchronously, as the real one does (it runs pg_controldata and SQL).</summary>
    public bool RejoinYields { get; set; }

    public async Task<RejoinResult> PrepareRejoinAsync(UpstreamTarget upstream, DynamicConfig dynamic, CancellationToken cancellationToken)
    {
        if (RejoinYields)
        {
            await Task.Yield();
        }

        Actions.Add($"rejoin {upstream.MemberName}");
        var result = Rejoin(upstream);
        _startBlocked = result.Outcome == RejoinOutcome.Refused ? result.Message : null;
        if (result.Outcome == RejoinOutcome.Removed)
        {
            DataDir = DataDirState.Empty;
            SystemIdentifier = null;
        }

        return result;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
