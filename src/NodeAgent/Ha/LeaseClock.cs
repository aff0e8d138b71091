using NodeAgent.Watchdog;

namespace NodeAgent.Ha;

/// <summary>
/// The one owner of the leader lease's timing, on the monotonic clock. It knows when the last successful renewal was
/// asked for and the TTL etcd granted to the lease the leader key is bound to, and derives from them every deadline the
/// agent acts on:
/// <code>
///   renewed ──────────── demote by ──── fence fires ──── lease can expire (renewed + granted ttl)
///                              │  DemoteMargin │  FenceMargin  │
/// </code>
/// The lease cannot expire before renewed + ttl: etcd starts its countdown when it applies the keepalive, never before
/// we asked. So a primary is safe as long as postgres has stopped accepting writes by then; the fence (and the watchdog
/// device, whose kick is refused when its timeout would outlast this deadline) is armed for ttl - FenceMargin, and the
/// agent itself gives up and demotes DemoteMargin earlier, so the fence remains the backstop for a frozen agent.
/// Thread-safe: a background long action may renew too.
/// </summary>
public sealed class LeaseClock(TimeProvider time, Func<long?>? deviceResetDue = null)
{
    /// <summary>Before expiry, the fence must have fired: its 100 ms poll, the signal and the postmaster's immediate shutdown.</summary>
    public static readonly TimeSpan FenceMargin = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Before the fence fires, the agent demotes on its own. The fast stop must end inside it: its walsenders hand the
    /// replicas every last WAL record before the postmaster exits, and a fence firing mid-stop would cut that short.
    /// </summary>
    public static readonly TimeSpan DemoteMargin = TimeSpan.FromSeconds(1);

    private readonly Lock _gate = new();
    private bool _holds;
    private long? _renewed;
    private int _ttl;
    private long? _failsafe;
    private int _failsafeTtl;

    /// <summary>The last acquire or renewal succeeded and nothing since said otherwise.</summary>
    public bool Holds
    {
        get
        {
            lock (_gate)
            {
                return _holds;
            }
        }
    }

    /// <summary>Timestamp at which the last successful acquire/renewal was asked for; null when never held.</summary>
    public long? RenewedTimestamp
    {
        get
        {
            lock (_gate)
            {
                return _renewed;
            }
        }
    }

    /// <summary>The TTL etcd granted to the lease of the last successful renewal (0 when never held).</summary>
    public int GrantedTtl
    {
        get
        {
            lock (_gate)
            {
                return _ttl;
            }
        }
    }

    /// <summary>How long after a renewal the fence (or watchdog) may let postgres accept writes.</summary>
    public static TimeSpan FenceAfter(int ttl) => TimeSpan.FromSeconds(ttl) - FenceMargin;

    /// <summary>How long after a renewal a leader that could not renew since keeps its primary before it demotes.</summary>
    public static TimeSpan DemoteAfter(int ttl) => FenceAfter(ttl) - DemoteMargin;

    /// <summary>A renewal asked for at <paramref name="askedTimestamp"/> succeeded, on a lease etcd granted with this TTL.</summary>
    public void Renewed(long askedTimestamp, int grantedTtl)
    {
        lock (_gate)
        {
            // A renewal asked before the one already recorded (a long action's, overlapping the loop's) says nothing newer.
            if (_holds && _renewed is { } recorded && askedTimestamp < recorded)
            {
                return;
            }

            _holds = true;
            _renewed = askedTimestamp;
            _ttl = grantedTtl;
            // A renewal ends failsafe mode (ha.py:_run_cycle clears it after every cycle the DCS answered).
            _failsafe = null;
        }
    }

    /// <summary>
    /// Failsafe mode (ha.py:_handle_dcs_error, check_failsafe_topology): every member of the failsafe topology accepted a <c>POST /failsafe</c> sent at or after
    /// <paramref name="askedTimestamp"/>. A member that accepted does not race for the lock for
    /// <see cref="AcceptanceValidFor"/> (at least <paramref name="ttl"/>) from the moment it answered, which is not
    /// before we asked; so the primary may stay writable as if the lease had been renewed then with this ttl. Ignored
    /// unless the lock is held and the round began before the writes had to stop (a round cannot revive a lapsed lock).
    /// </summary>
    public bool FailsafeConfirmed(long askedTimestamp, int ttl)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(ttl, 1);
        return Confirm(askedTimestamp, ttl);
    }

    private bool Confirm(long askedTimestamp, int ttl)
    {
        lock (_gate)
        {
            if (!_holds || _renewed is not { } renewed)
            {
                return false;
            }

            var (at, current) = Anchor(renewed);
            if (askedTimestamp < at)
            {
                // Asked before the renewal or confirmation already counted: nothing newer.
                return true;
            }

            if (time.GetElapsedTime(at, askedTimestamp) >= DemoteAfter(current))
            {
                return false;
            }

            _failsafe = askedTimestamp;
            _failsafeTtl = ttl;
            return true;
        }
    }

    /// <summary>
    /// How long a member that accepted a <c>POST /failsafe</c> stays out of the leader race: the longer of its own ttl and
    /// the leader's. The leader's fence fires at asked + ttl - FenceMargin (<see cref="FenceDeadline"/>), before any
    /// acceptance (answered at or after asked) can run out: the one inequality failsafe mode rests on.
    /// </summary>
    public static TimeSpan AcceptanceValidFor(int memberTtl, int? leaderTtl) =>
        TimeSpan.FromSeconds(Math.Max(memberTtl, leaderTtl ?? 0));

    /// <summary>The primary is kept on a failsafe confirmation newer than the last renewal (for /patroni and /metrics).</summary>
    public bool FailsafeActive
    {
        get
        {
            lock (_gate)
            {
                return _holds && _failsafe is { } at && time.GetElapsedTime(at) < TimeSpan.FromSeconds(_failsafeTtl);
            }
        }
    }

    /// <summary>What the writes' deadline counts from: the last renewal, or a later failsafe confirmation. Call under the gate.</summary>
    private (long At, int Ttl) Anchor(long renewed) =>
        _failsafe is { } at && at >= renewed ? (at, _failsafeTtl) : (renewed, _ttl);

    /// <summary>Monotonic timestamp the writes' deadline counts from (renewal or failsafe confirmation); null when never held.</summary>
    public long? AnchorTimestamp
    {
        get
        {
            lock (_gate)
            {
                return _renewed is { } renewed ? Anchor(renewed).At : null;
            }
        }
    }

    /// <summary>The ttl of <see cref="AnchorTimestamp"/> (0 when never held).</summary>
    public int AnchorTtl
    {
        get
        {
            lock (_gate)
            {
                return _renewed is { } renewed ? Anchor(renewed).Ttl : 0;
            }
        }
    }

    /// <summary>How long after <see cref="AnchorTimestamp"/> the health checks may count this node as the lock holder.</summary>
    public TimeSpan ValidFor => DemoteAfter(AnchorTtl);

    /// <summary>
    /// The ttl in force went down: from now on the leader key may be moved to a lease granted (after the last renewal)
    /// with this shorter TTL, even by a call whose answer is lost. Counting the shorter TTL from the last renewal is
    /// never later than either lease's expiry. True when the deadline came forward (the fence must hear it).
    /// </summary>
    public bool CapTtl(int ttl)
    {
        lock (_gate)
        {
            if (!_holds || (ttl >= _ttl && (_failsafe is null || ttl >= _failsafeTtl)))
            {
                return false;
            }

            _ttl = Math.Min(_ttl, ttl);
            _failsafeTtl = Math.Min(_failsafeTtl, ttl);
            return true;
        }
    }

    /// <summary>The lock is not ours (or not trusted) until the next successful compare-renew.</summary>
    public void Lost()
    {
        lock (_gate)
        {
            _holds = false;
            _failsafe = null;
        }
    }

    /// <summary>What the fence and the watchdog are armed and kicked with; null when the lock is not held.</summary>
    public LeaseDeadline? FenceDeadline
    {
        get
        {
            lock (_gate)
            {
                if (!_holds || _renewed is not { } renewed)
                {
                    return null;
                }

                var (at, ttl) = Anchor(renewed);
                return new LeaseDeadline(at, FenceAfter(ttl));
            }
        }
    }

    /// <summary>
    /// For arming before the lock exists (bootstrap): a lease granted now with this TTL. The acquisition that follows
    /// renews later than now, so this deadline is never later than the real one.
    /// </summary>
    public LeaseDeadline Provisional(int ttl) => new(time.GetTimestamp(), FenceAfter(ttl));

    /// <summary>
    /// Time left before this leader must have stopped accepting writes; null when the lock is not held. An armed
    /// watchdog device that was last kicked long enough ago brings it forward: demoting beats a machine reset.
    /// </summary>
    public TimeSpan? TimeLeft
    {
        get
        {
            TimeSpan left;
            lock (_gate)
            {
                if (!_holds || _renewed is not { } renewed)
                {
                    return null;
                }

                var (at, ttl) = Anchor(renewed);
                left = DemoteAfter(ttl) - time.GetElapsedTime(at);
            }

            if (deviceResetDue?.Invoke() is { } due)
            {
                var beforeReset = TimeSpan.FromSeconds((due - time.GetTimestamp()) / (double)time.TimestampFrequency) - FenceMargin - DemoteMargin;
                left = beforeReset < left ? beforeReset : left;
            }

            return left;
        }
    }

    /// <summary>Time since the last successful renewal; null when never held.</summary>
    public TimeSpan? RenewalAge => RenewedTimestamp is { } renewed ? time.GetElapsedTime(renewed) : null;

    /// <summary>
    /// The deadline of one DCS call: retry_timeout, but a lock holder's call must end in time to demote, so never past
    /// the time left on the lease. Past the deadline nothing is left to protect (the writes have stopped): the full
    /// budget again, so a holder whose postgres was not writable can still renew.
    /// </summary>
    public TimeSpan CallBudget(int retryTimeout)
    {
        var budget = TimeSpan.FromSeconds(Math.Max(1, retryTimeout));
        return TimeLeft is { } left && left > TimeSpan.Zero && left < budget ? left : budget;
    }
}
