namespace NodeAgent.Tests.Api;

/// <summary>Reads metric names out of Prometheus text and PromQL, for tests that compare the two.</summary>
internal static class MetricsText
{
    private static readonly string[] HistogramSuffixes = ["_bucket", "_sum", "_count"];

    /// <summary>The metric name of a sample line: everything before its labels or its value.</summary>
    public static string SampleName(string line) => line[..line.IndexOfAny(['{', ' '])];

    /// <summary>The family a sample belongs to: a histogram's _bucket, _sum and _count series belong to its name.</summary>
    public static string Family(string sample) =>
        HistogramSuffixes.FirstOrDefault(s => sample.EndsWith(s, StringComparison.Ordinal)) is { } suffix ? sample[..^suffix.Length] : sample;

    /// <summary>Every series name a /metrics text exports (a histogram's three series included).</summary>
    public static HashSet<string> Exported(string text) =>
        [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith('#')).Select(SampleName)];
}
