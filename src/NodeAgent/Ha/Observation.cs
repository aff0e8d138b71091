using NodeAgent.Cluster;
using NodeAgent.Configuration;
using NodeAgent.Postgres;

namespace NodeAgent.Ha;

/// <summary>
/// Everything the HA decision looks at, gathered by the loop before <see cref="HaDecider.Decide"/> runs.
/// Durations are measured by the loop on the monotonic clock; the decider never reads a clock itself.
/// </summary>
public sealed partial record Observation
{
    /// <summary>This node's member name.</summary>
    public required string Me { get; init; }

    /// <summary>The cluster as read from the DCS this cycle; null when the read failed.</summary>
    public ClusterView? Cluster { get; init; }

    /// <summary>False when the DCS could not be reached within retry_timeout this cycle.</summary>
    public bool DcsAvailable { get; init; } = true;

    public required PostgresObservation Postgres { get; init; }

    public required AgentConfig Config { get; init; }

    /// <summary>The effective dynamic config (config key merged over bootstrap.dcs).</summary>
    public required DynamicConfig Dynamic { get; init; }

    /// <summary>The executor's belief: our last lock acquire/renew succeeded and nothing since said otherwise.</summary>
    public bool BelievesHoldsLock { get; init; }

    /// <summary>
    /// Time left before this leader must have stopped accepting writes (<see cref="LeaseClock.TimeLeft"/>: the lease etcd
    /// granted, less the fence and demotion margins); null when the lock is not held. Zero or less: demote now.
    /// </summary>
    public TimeSpan? LockTimeLeft { get; init; }

    /// <summary>The loop (or the whole process) did not run for longer than the lease could survive.</summary>
    public bool Stalled { get; init; }

    /// <summary>Monotonic time since the previous cycle started (for the reason sentence).</summary>
    public TimeSpan SincePreviousCycle { get; init; }

    /// <summary>A bootstrap, clone or start still running in the background, if any.</summary>
    public LongActionKind? LongActionInProgress { get; init; }

    /// <summary>Watchdog device present and usable (matters only in <c>required</c> mode).</summary>
    public bool WatchdogHealthy { get; init; } = true;

    /// <summary>
    /// The fence (or, without one, the watchdog) is armed. A primary holding the lock with it disarmed (a resume from pause,
    /// an agent restarted in pause that adopted the running primary) is armed again before anything else.
    /// </summary>
    public bool FenceArmed { get; init; } = true;

    /// <summary>Answers of the other members' <c>/patroni</c>; gathered only when the cluster is unlocked.</summary>
    public IReadOnlyList<PeerStatus> Peers { get; init; } = [];

    /// <summary>Wall-clock time of the observation: only for scheduled actions (scheduled_at), never for liveness.</summary>
    public DateTimeOffset Now { get; init; }

    /// <summary>Postgres accepted writes since its last rejoin check: it may hold WAL a new leader never got.</summary>
    public bool WasPrimarySinceRejoinCheck { get; init; }

    /// <summary>This agent demoted its primary and has not managed to start it as a replica yet.</summary>
    public bool RejoinPending { get; init; }

    /// <summary>Monotonic time since a failed pre_promote made this node release the lock; null when it never did.</summary>
    public TimeSpan? SincePrePromoteFailure { get; init; }

    /// <summary>A REST command (restart, reinitialize) waiting for this cycle to answer or act on it.</summary>
    public ManualRequest? Request { get; init; }

    /// <summary>The restart scheduled through the REST API, if any.</summary>
    public ScheduledRestart? ScheduledRestart { get; init; }

    /// <summary>
    /// On a primary: the standbys that count as synchronous now (<see cref="Sync.SyncReadiness"/>): named in
    /// synchronous_standby_names, reported <c>sync</c>, and caught up with the primary as of that value taking effect.
    /// </summary>
    public IReadOnlySet<string> SyncReady { get; init; } = new HashSet<string>();

    /// <summary>Pause comes from the dynamic config; kept as a property so tests and logs read naturally.</summary>
    public bool Paused => Dynamic.Pause;
}

/// <summary>One other member's answer to <c>GET /patroni</c> for the leader race (ha.py:_MemberStatus).</summary>
public sealed record PeerStatus(
    string Member,
    bool Reachable,
    bool InRecovery,
    Lsn WalPosition,
    int? Timeline,
    bool NoFailover,
    bool WatchdogFailed)
{
    public static PeerStatus Unreachable(string member) => new(member, false, true, Lsn.Zero, null, false, false);
}

/// <summary>Actions that outlive one cycle and run in the background while the loop keeps renewing the lock.</summary>
public enum LongActionKind
{
    Bootstrap,
    Clone,
    Start,
    Restart,
    Reinitialize,
}

public static class LongActionNames
{
    /// <summary>Patroni's name of the action, as in "updated leader lock during restart".</summary>
    public static string Name(this LongActionKind action) => action switch
    {
        LongActionKind.Bootstrap => "bootstrap",
        LongActionKind.Clone => "clone",
        LongActionKind.Restart => "restart",
        LongActionKind.Reinitialize => "reinitialize",
        _ => "start",
    };
}
