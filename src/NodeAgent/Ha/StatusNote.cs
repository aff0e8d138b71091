namespace NodeAgent.Ha;

/// <summary>
/// What a running plan tells health checks before its cycle ends, because waiting for the cycle's snapshot would be
/// too late: HAProxy must see writes stop before postgres is asked to stop, and a lost lock at once.
/// </summary>
internal enum StatusNote
{
    /// <summary>The leader lock is lost, released, or no longer to be trusted.</summary>
    LockLost,

    /// <summary>Postgres is about to be stopped.</summary>
    StoppingPostgres,

    /// <summary>A demotion starts: no writes, no lock, role "demoted", before postgres stops.</summary>
    Demoting,

    /// <summary>A demotion stopped postgres: no primary to report to the members racing for the lock (no xlog location).</summary>
    PostgresStopped,

    /// <summary>
    /// The lock holder is about to arm its fence and ask postgres to leave recovery: /primary answers 200 from here, so
    /// HAProxy's rise checks run during the promotion instead of after it (Patroni answers from the lock alone).
    /// </summary>
    Promoting,

    /// <summary>
    /// A promotion left recovery while the lock is held: the primary takes writes now, before the config rewrite and the
    /// rest of the plan, so health checks route to it one plan sooner.
    /// </summary>
    Promoted,

    /// <summary>A restart starts: no writes, before the fast stop.</summary>
    Restarting,

    /// <summary>A reinitialize starts: no writes, before the immediate stop.</summary>
    Reinitializing,

    /// <summary>The agent shuts down: no writes, no lock, before postgres stops.</summary>
    ShuttingDown,
}

/// <summary>The executor's one way to change the status mid-plan; the loop owns the board behind it.</summary>
internal interface IStatusNotes
{
    void Note(StatusNote note);
}

/// <summary>What the loop lends the executor for one plan.</summary>
/// <param name="LongAction">The long action running now: this plan's own when it is one, else the one it runs beside.</param>
/// <param name="Status">Where early status changes go.</param>
internal sealed record PlanContext(Func<LongActionKind?> LongAction, IStatusNotes Status);
