using NodeAgent.Api.Status;

namespace NodeAgent.Metrics;

/// <summary>A thread-safe Prometheus histogram with fixed bucket bounds; also remembers the last observation.</summary>
public sealed class Histogram(params double[] upperBounds)
{
    private readonly double[] _bounds = upperBounds;
    private readonly long[] _counts = new long[upperBounds.Length];
    private readonly Lock _lock = new();
    private double _sum;
    private long _count;
    private double? _last;

    /// <summary>The latest observation (for the last-value gauges), null before the first.</summary>
    public double? Last
    {
        get
        {
            lock (_lock)
            {
                return _last;
            }
        }
    }

    public void Observe(TimeSpan duration) => Observe(duration.TotalSeconds);

    public void Observe(double value)
    {
        // le is inclusive: a value equal to a bound belongs to that bucket.
        var i = Array.FindIndex(_bounds, b => value <= b);
        lock (_lock)
        {
            if (i >= 0)
            {
                _counts[i]++;
            }

            _sum += value;
            _count++;
            _last = value;
        }
    }

    public HistogramSnapshot Snapshot()
    {
        lock (_lock)
        {
            return new HistogramSnapshot(_bounds, [.. _counts], _sum, _count);
        }
    }
}
