namespace NodeAgent.IntegrationTests.Chaos;

/// <summary>
/// What the design promises for one scenario, asserted after it ran. Beyond these, every scenario asserts
/// that no write acknowledged through HAProxy is lost (but for the crash window below), and that no write
/// acknowledged by a node directly is lost when the leadership never moved (then the final leader's own WAL
/// holds every commit it acknowledged).
/// </summary>
/// <param name="Failover">The scenario must end with another leader than it started with.</param>
/// <param name="LeaderStays">The scenario must end with the leader it started with.</param>
/// <param name="WritesStopWithin">
/// The old leader must refuse a write (probed over its unix socket) within this time of the fault's start;
/// null when it is meant to stay writable.
/// </param>
/// <param name="NoSplitBrain">
/// No two nodes acknowledge writes at once: no 100 ms round with acknowledgements by two nodes, and none by the
/// old leader after another node's first. False where the design cannot promise it (measured and reported).
/// </param>
/// <param name="CrashWindow">
/// Writes the old leader acknowledged this long before the fault or later may be missing on the final leader:
/// with asynchronous replication a leader that dies hard takes the commits it had not yet streamed with it
/// (Patroni's <c>maximum_lag_on_failover</c> accepts the same). A fault that cuts the leader off later than it starts
/// marks the cut (<see cref="FaultRecord.LeaderCutNow"/>), and the window counts back from there instead. Zero where
/// the leader's WAL survives or streams.
/// </param>
/// <param name="Synchronous">
/// Synchronous mode is on: no write acknowledged on any channel (HAProxy, direct, local on the old leader) may be missing
/// on the final leader, wherever the leadership went.
/// </param>
/// <param name="NoFailedWrites">
/// Not one write through HAProxy may fail from the fault's start on (failsafe mode: the primary stays writable).
/// </param>
internal sealed record ScenarioPromise(bool Failover, bool LeaderStays, TimeSpan? WritesStopWithin, bool NoSplitBrain, TimeSpan CrashWindow = default, bool Synchronous = false,
    bool NoFailedWrites = false)
{
    /// <summary>The lease's ttl and a few seconds: a leader cut off must stop writing before another can be promoted.</summary>
    public static readonly TimeSpan LeaseAndMargin = TimeSpan.FromSeconds(ChaosAgentConfig.Ttl + 5);

    /// <summary>The leader is cut off, frozen or fenced; a replica takes over.</summary>
    public static ScenarioPromise FailoverAway => new(Failover: true, LeaderStays: false, LeaseAndMargin, NoSplitBrain: true);

    /// <summary>The leader cannot keep its lock but may win it back (etcd outage, a node back within its lease).</summary>
    public static ScenarioPromise LeaderStopsWriting => new(Failover: false, LeaderStays: false, LeaseAndMargin, NoSplitBrain: true);

    /// <summary>
    /// The leader's node dies hard (SIGKILL of agent, postmaster and backends): it may lose the commits of its last
    /// second that had not reached a replica, and it may win its lock back when it returns within its lease.
    /// </summary>
    public static ScenarioPromise LeaderDiesHard => LeaderStopsWriting with { CrashWindow = AsyncCrashWindow };

    /// <summary>The last second before a hard kill or a cut: what asynchronous replication may not have streamed yet.</summary>
    public static readonly TimeSpan AsyncCrashWindow = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Every process of the leader's node is frozen past its lease: a replica takes over, and the old node must
    /// refuse writes once thawed; what it acknowledges meanwhile is measured, not promised.
    /// </summary>
    public static ScenarioPromise FrozenPast(TimeSpan hold) => new(Failover: true, LeaderStays: false, hold + LeaseAndMargin, NoSplitBrain: false);

    /// <summary>The leader is not touched: it stays leader and writable throughout.</summary>
    public static ScenarioPromise LeaderUntouched => new(Failover: false, LeaderStays: true, WritesStopWithin: null, NoSplitBrain: true);
}
