namespace NodeAgent.Watchdog;

/// <summary>
/// The leader's dead-man switch, as the HA executor drives it (Patroni's watchdog/base.py): armed right before
/// promotion, kicked only after a successful lock renewal, disabled on demote, in pause, during crash
/// recovery and at shutdown. Implementations never throw from these calls: failures show in <see cref="Status"/>.
/// </summary>
public interface IWatchdog
{
    /// <summary>
    /// Opens and arms the device with timeout = ttl - safety_margin (ttl/2 for -1). Like Patroni, false only when the
    /// node must not be primary: mode <c>required</c> and the device could not be armed. In <c>automatic</c> a missing
    /// device is logged once and true is returned; in <c>off</c> nothing happens. When already armed, applies new timings.
    /// Never arms for longer than <paramref name="deadline"/> allows: a switch that would fire after it is not armed.
    /// </summary>
    bool Activate(int ttl, int loopWait, LeaseDeadline deadline);

    /// <summary>New ttl / loop_wait from the config key: a changed timeout is applied at the next keepalive; no slack disables.</summary>
    void Reconfigure(int ttl, int loopWait);

    /// <summary>
    /// One keepalive after a successful lock renewal, bound to the lease that renewal gave; applies a changed timeout
    /// first. A kick that would let the switch fire after <paramref name="deadline"/> is not made.
    /// </summary>
    void Keepalive(LeaseDeadline deadline);

    /// <summary>Magic close ('V') and release, so the node is not reset.</summary>
    void Disable();

    /// <summary>For <c>required</c> mode: may this node take the lock at all (device present and writable)?</summary>
    bool IsHealthy { get; }

    /// <summary>Snapshot for /patroni, /metrics and agentctl list -e.</summary>
    WatchdogState Status { get; }

    /// <summary>
    /// When the device resets the machine unless it is kicked again (a <see cref="TimeProvider.GetTimestamp"/> of the
    /// watchdog's clock); null while no device is armed. A leader that cannot renew stops its writes before this.
    /// </summary>
    long? ResetDueTimestamp => null;

    /// <summary>The fence process beside the device, when there is one (its state for /patroni and agentctl list -e).</summary>
    WatchdogState? FenceStatus => null;
}

/// <summary>What an operator wants to know about the watchdog (Patroni #2296).</summary>
public sealed record WatchdogState(string Mode, string Device, bool Armed, int? TimeoutSeconds, DateTimeOffset? LastKeepalive, bool Failed, string? Error);
