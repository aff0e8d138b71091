namespace NodeAgent.Tests.Component;

/// <summary>
/// A clock that only moves when the test says so. Timestamps are ticks. The wall clock can jump
/// (<see cref="WallOffset"/>, an NTP step or an operator's date -s) while the monotonic timestamp never goes back.
/// </summary>
internal sealed class FakeTimeProvider : TimeProvider
{
    private long _ticks = TimeSpan.FromDays(1).Ticks;
    private readonly DateTimeOffset _epoch = new(2024, 5, 1, 10, 0, 0, TimeSpan.Zero);

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => Interlocked.Read(ref _ticks);

    /// <summary>How far the wall clock is off the monotonic one; only <see cref="GetUtcNow"/> sees it.</summary>
    public TimeSpan WallOffset { get; set; }

    public override DateTimeOffset GetUtcNow() => _epoch + TimeSpan.FromTicks(GetTimestamp()) + WallOffset;

    public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
}
