namespace NodeAgent.Watchdog;

/// <summary>
/// How long the leader may keep accepting writes: from <see cref="RenewedTimestamp"/> (a timestamp of the monotonic clock
/// every process on this machine shares, <see cref="TimeProvider.GetTimestamp"/> of <see cref="TimeProvider.System"/>)
/// for <see cref="ValidFor"/>. A dead-man switch armed or kicked with it must have stopped postgres by then, however
/// late the kick reaches it: the deadline belongs to the renewal, not to the moment it is read.
/// </summary>
public readonly record struct LeaseDeadline(long RenewedTimestamp, TimeSpan ValidFor)
{
    /// <summary>The deadline as a timestamp of a clock with this frequency.</summary>
    public long DueTimestamp(long timestampFrequency) => RenewedTimestamp + (long)(ValidFor.TotalSeconds * timestampFrequency);

    /// <summary>Time left before the deadline at <paramref name="now"/> (negative once it passed).</summary>
    public TimeSpan Remaining(long now, long timestampFrequency) =>
        TimeSpan.FromSeconds((DueTimestamp(timestampFrequency) - now) / (double)timestampFrequency);
}
