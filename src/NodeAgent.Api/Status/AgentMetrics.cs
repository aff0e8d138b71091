namespace NodeAgent.Api.Status;

/// <summary>
/// NodeAgent's counters and histograms since the agent started. The agent counts; this project only formats, so the
/// contract is plain numbers.
/// </summary>
public sealed record AgentMetrics
{
    public static readonly AgentMetrics None = new();

    public long Promotions { get; init; }
    /// <summary>Demotions by Patroni's demote mode (ha.py:demote), every mode listed even at 0 so its series exists.</summary>
    public IReadOnlyList<LabeledCount> Demotions { get; init; } = [];
    public long LockAcquisitions { get; init; }
    public long LockLosses { get; init; }
    public long DcsErrors { get; init; }
    public long LoopOverruns { get; init; }
    public HistogramSnapshot HaCycleDuration { get; init; } = HistogramSnapshot.Empty;
    public HistogramSnapshot DcsCallDuration { get; init; } = HistogramSnapshot.Empty;
}

/// <summary>A count under one label value, e.g. demotions with mode="graceful".</summary>
public sealed record LabeledCount(string Label, long Count);

/// <summary>
/// A Prometheus histogram at one moment. <see cref="BucketCounts"/> holds one count per bound in
/// <see cref="UpperBounds"/> (not cumulative); observations above the last bound are only in <see cref="Count"/>.
/// </summary>
public sealed record HistogramSnapshot(IReadOnlyList<double> UpperBounds, IReadOnlyList<long> BucketCounts, double Sum, long Count)
{
    public static readonly HistogramSnapshot Empty = new([], [], 0, 0);
}
