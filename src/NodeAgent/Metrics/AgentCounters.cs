using NodeAgent.Api.Status;
using NodeAgent.Ha;

namespace NodeAgent.Metrics;

/// <summary>
/// The one owner of the agent's event counts and timings for /metrics. The loop and the executor count where they log
/// the event; the loop copies a snapshot into each status it publishes. Thread-safe: long actions run beside the loop.
/// </summary>
public sealed class AgentCounters
{
    // Seconds: a cycle normally takes milliseconds; loop_wait defaults to 10 and ttl to 30.
    private static readonly double[] CycleBounds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

    // Seconds: an etcd round trip on a LAN is about a millisecond; retry_timeout defaults to 10.
    private static readonly double[] DcsBounds = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private static readonly DemoteMode[] Modes = Enum.GetValues<DemoteMode>();

    private readonly long[] _demotions = new long[Modes.Length];
    private long _promotions;
    private long _lockAcquisitions;
    private long _lockLosses;
    private long _dcsErrors;
    private long _loopOverruns;

    public Histogram HaCycleDuration { get; } = new(CycleBounds);

    public Histogram DcsCallDuration { get; } = new(DcsBounds);

    public void Promoted() => Interlocked.Increment(ref _promotions);

    public void Demoted(DemoteMode mode) => Interlocked.Increment(ref _demotions[Array.IndexOf(Modes, mode)]);

    public void LockAcquired() => Interlocked.Increment(ref _lockAcquisitions);

    public void LockLost() => Interlocked.Increment(ref _lockLosses);

    public void DcsFailed() => Interlocked.Increment(ref _dcsErrors);

    public void LoopOverrun() => Interlocked.Increment(ref _loopOverruns);

    public AgentMetrics Snapshot() => new()
    {
        Promotions = Interlocked.Read(ref _promotions),
        Demotions = [.. Modes.Select((mode, i) => new LabeledCount(ModeName(mode), Interlocked.Read(ref _demotions[i])))],
        LockAcquisitions = Interlocked.Read(ref _lockAcquisitions),
        LockLosses = Interlocked.Read(ref _lockLosses),
        DcsErrors = Interlocked.Read(ref _dcsErrors),
        LoopOverruns = Interlocked.Read(ref _loopOverruns),
        HaCycleDuration = HaCycleDuration.Snapshot(),
        DcsCallDuration = DcsCallDuration.Snapshot(),
    };

    /// <summary>Patroni's words for the modes (ha.py:demote).</summary>
    public static string ModeName(DemoteMode mode) => mode switch
    {
        DemoteMode.Offline => "offline",
        DemoteMode.Graceful => "graceful",
        DemoteMode.Immediate => "immediate",
        DemoteMode.ImmediateNoLock => "immediate-nolock",
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, null),
    };
}
