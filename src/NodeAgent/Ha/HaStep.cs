using NodeAgent.Postgres;

namespace NodeAgent.Ha;

/// <summary>How a primary steps down (<c>ha.py:demote</c>).</summary>
public enum DemoteMode
{
    /// <summary>DCS lost: fast stop, no checkpoint, lock kept, restart read-only without an upstream.</summary>
    Offline,
    /// <summary>Switchover: fast stop with checkpoint, lock released.</summary>
    Graceful,
    /// <summary>Immediate stop, lock released, then follow.</summary>
    Immediate,
    /// <summary>Lock already lost: immediate stop, nothing to release, then follow.</summary>
    ImmediateNoLock,
}

/// <summary>
/// One side effect the executor performs. A closed set: every step is a nested record here.
/// Guard steps (<see cref="IGuard"/>) can fail; then the executor drops the rest of the plan and
/// runs the guard's <see cref="IGuard.Otherwise"/> decision instead.
/// </summary>
public abstract partial record HaStep
{
    private HaStep()
    {
    }

    /// <summary>A step whose failure switches to another decision.</summary>
    public interface IGuard
    {
        HaDecision Otherwise { get; }
    }

    /// <summary>Take the free <c>leader</c> key (create_revision == 0).</summary>
    public sealed record AcquireLock(HaDecision Otherwise) : HaStep, IGuard;

    /// <summary>Forced lease keepalive plus an ownership compare; never an unconditional put.</summary>
    public sealed record UpdateLock(HaDecision Otherwise) : HaStep, IGuard;

    /// <summary>Delete <c>leader</c> if it still is ours.</summary>
    public sealed record ReleaseLock : HaStep;

    /// <summary>Race for <c>initialize</c> ("" with create_revision == 0).</summary>
    public sealed record RaceInitialize(HaDecision Otherwise) : HaStep, IGuard;

    /// <summary>Arm the fence and the watchdog; fails when the fence cannot be armed, or the device in required mode.</summary>
    public sealed record ActivateWatchdog(HaDecision Otherwise) : HaStep, IGuard;

    public sealed record KeepaliveWatchdog : HaStep;

    public sealed record DisableWatchdog : HaStep;

    /// <summary>Long: initdb, start, create roles, write initialize = sysid and config, take the lock.</summary>
    public sealed record Bootstrap : HaStep;

    /// <summary>
    /// Long: create_replica_methods from the upstream (null: without leader), then start as a replica of
    /// <paramref name="FollowAfter"/> (the upstream when null).
    /// </summary>
    public sealed record CloneFrom(UpstreamTarget? Upstream, UpstreamTarget? FollowAfter = null) : HaStep;

    /// <summary>
    /// Long, standby cluster (ha.py:bootstrap_standby_leader): pg_basebackup from the remote primary, start as its replica,
    /// then write initialize = sysid and config and take the lock, as the standby leader.
    /// </summary>
    public sealed record BootstrapStandbyLeader(UpstreamTarget Remote) : HaStep;

    /// <summary>Long: start postgres in recovery; a null upstream means read-only with no primary_conninfo.</summary>
    public sealed record StartAsReplica(UpstreamTarget? Upstream) : HaStep;

    /// <summary>Long: start postgres as primary (we hold the lock and the data was a clean primary).</summary>
    public sealed record StartAsPrimary : HaStep;

    /// <summary>
    /// Run <c>postgresql.pre_promote</c> and wait for it, within the time the lock has left (postgresql/__init__.py:_pre_promote):
    /// a non-zero exit cancels the promotion and releases the lock voluntarily (ha.py:enforce_primary_role).
    /// </summary>
    public sealed record PrePromote(HaDecision Otherwise) : HaStep, IGuard;

    public sealed record Promote : HaStep;

    /// <summary>
    /// Re-point primary_conninfo at a new upstream (null: none). With <paramref name="CheckDivergence"/>, postgres may hold
    /// WAL the upstream never got: stop it, check it against the upstream's history (pg_rewind), start it as its replica.
    /// </summary>
    public sealed record Follow(UpstreamTarget? Upstream, bool CheckDivergence = false) : HaStep;

    /// <summary>Step down; <see cref="DemoteMode.Offline"/> is "stop accepting writes, keep the key".</summary>
    /// <param name="HandOver">
    /// The lease is running out and etcd cannot be reached: as soon as postgres is down, ask the members
    /// that may still reach etcd to delete the leader key, so one of them takes over without waiting for the lease to expire.
    /// </param>
    public sealed record Demote(DemoteMode Mode, UpstreamTarget? FollowAfter, bool HandOver = false) : HaStep;

    public sealed record StopPostgres(StopMode Mode) : HaStep;

    /// <summary>
    /// A CHECKPOINT on the primary while it still serves, ahead of a demotion that may come at the next cycle: its fast
    /// stop then has little left to write. Bounded by the time the lock has left; a failure only costs a longer stop.
    /// </summary>
    public sealed record CheckpointAhead : HaStep;

    /// <summary>Write <c>initialize</c> = sysid (create only when absent).</summary>
    public sealed record WriteInitialize(string SystemIdentifier, bool CreateNew) : HaStep;

    /// <summary>Write the <c>config</c> key from bootstrap.dcs (it went missing while we hold the lock).</summary>
    public sealed record WriteConfig : HaStep;

    /// <summary>Leader only: <c>status</c> = our WAL position.</summary>
    public sealed record WriteStatus(ulong Optime) : HaStep;

    /// <summary>Leader only: rewrite <c>history</c> from the timeline history file after a promotion.</summary>
    public sealed record WriteHistory(int Timeline) : HaStep;

    /// <summary>Clear the <c>failover</c> key with a compare on its revision.</summary>
    public sealed record ClearFailover(long ModRevision) : HaStep;

    /// <summary>
    /// Leader only, synchronous mode: <c>sync</c> = {us, <paramref name="Standbys"/>} if the key is unchanged since
    /// <paramref name="ModRevision"/> and the lock is still ours. Written after synchronous_standby_names names them, and
    /// narrowed before a name leaves it: the key never names a standby commits do not wait for.
    /// </summary>
    /// <remarks>Quorum commit mode: with the key's <paramref name="Quorum"/> (quorum.py's ordered steps decide when).</remarks>
    public sealed record WriteSyncState(IReadOnlyList<string> Standbys, long ModRevision, HaDecision Otherwise, int? Quorum = null) : HaStep, IGuard;

    /// <summary>Leader only: delete <c>sync</c> (synchronous mode turned off) if unchanged since <paramref name="ModRevision"/>.</summary>
    public sealed record DeleteSyncState(long ModRevision) : HaStep;

    /// <summary>
    /// Synchronous mode: the synchronous_standby_names postgres runs with (null: none chosen; '*' waits for any). With
    /// <paramref name="Reload"/>, postgres runs another value (the file was edited, or a reload was lost): write and reload
    /// even if the agent already chose this one.
    /// </summary>
    public sealed record SetSynchronousStandbyNames(string? Value, bool Reload = false) : HaStep;

    /// <summary>The physical slots this node keeps (a leader: one per other member; a replica: one per cascaded replica); others are dropped.</summary>
    public sealed record SyncSlots(IReadOnlySet<string> Slots) : HaStep
    {
        // Two plans asking for the same slots are the same plan.
        public bool Equals(SyncSlots? other) => other is not null && Slots.SetEquals(other.Slots);

        public override int GetHashCode() => Slots.Count;
    }

    /// <summary>Put <c>members/&lt;me&gt;</c> with the state after this cycle's actions.</summary>
    public sealed record TouchMember : HaStep;

    /// <summary>Answers a REST command (<see cref="ManualRequest"/>) without acting on it, e.g. 503 "restart conditions are not satisfied".</summary>
    public sealed record Reply(long RequestId, int Status, string Message) : HaStep;

    /// <summary>
    /// Long: restart postgres in its current role (POST /restart or a scheduled restart). A lock holder keeps the lock:
    /// the cycles that run meanwhile renew it. <paramref name="RequestId"/> is the REST command waiting for the outcome.
    /// </summary>
    public sealed record Restart(long? RequestId, int StartTimeoutSeconds) : HaStep;

    /// <summary>The client hold-off after a switchover has passed: postgres listens on TCP again (a replica restart).</summary>
    public sealed record OpenToClients : HaStep;

    /// <summary>Long: POST /reinitialize: immediate stop, empty the data dir, pg_basebackup from the source, start as its replica.</summary>
    public sealed record Reinitialize(long RequestId, UpstreamTarget Source, UpstreamTarget? FollowAfter = null) : HaStep;

    /// <summary>Forget the scheduled restart the decision saw (done, stale, or overtaken); <paramref name="Why"/> is logged.</summary>
    public sealed record ClearScheduledRestart(ScheduledRestart Expected, string? Why) : HaStep;

    /// <summary>Cancel the long action in progress before the rest of the plan runs (reinitialize with force).</summary>
    public sealed record CancelLongAction : HaStep;

    /// <summary>Stop the agent: continuing would harm the cluster (e.g. system ID mismatch).</summary>
    public sealed record Exit(string Why) : HaStep;

    public bool IsLongAction => this is Bootstrap or BootstrapStandbyLeader or CloneFrom or StartAsReplica or StartAsPrimary or Restart or Reinitialize;
}
