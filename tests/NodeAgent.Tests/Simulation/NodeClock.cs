using NodeAgent.Tests.Component;

namespace NodeAgent.Tests.Simulation;

/// <summary>
/// One machine's clocks as its processes read them: the monotonic clock runs at this machine's rate against the
/// simulation's (a crystal a fraction of a percent off), and the wall clock can be stepped (NTP, date -s). The agent,
/// its fence and its watchdog facade all read this one; etcd's lease expiry runs on the shared clock of the store.
/// </summary>
internal sealed class NodeClock(FakeTimeProvider shared, double rate) : TimeProvider
{
    private readonly long _origin = shared.GetTimestamp();

    /// <summary>Local seconds per simulated second (1.01: this machine's clock runs 1 % fast).</summary>
    public double Rate => rate;

    /// <summary>How far this machine's wall clock was stepped, on top of the shared one.</summary>
    public TimeSpan WallOffset { get; set; }

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => _origin + (long)((shared.GetTimestamp() - _origin) * rate);

    public override DateTimeOffset GetUtcNow() => shared.GetUtcNow() + TimeSpan.FromTicks(GetTimestamp() - shared.GetTimestamp()) + WallOffset;

    /// <summary>The simulated (shared) timestamp at which this clock reads <paramref name="local"/> or later.</summary>
    public long ToShared(long local) => _origin + (long)Math.Ceiling((local - _origin) / rate) + 1;

    /// <summary>Simulated seconds that pass while this clock counts <paramref name="localSeconds"/>.</summary>
    public double SharedSeconds(double localSeconds) => localSeconds / rate;
}
