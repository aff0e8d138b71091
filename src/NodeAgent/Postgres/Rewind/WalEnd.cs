using System.Globalization;
using System.Text.RegularExpressions;
using NodeAgent.Cluster;

namespace NodeAgent.Postgres.Rewind;

/// <summary>
/// Finds the end of valid WAL in the error pg_waldump stops with when it reads past the last record, e.g.
/// "error in WAL record at 0/1759408: invalid record length at 0/17595A0: wanted 24, got 0". Null when the
/// output has no recognisable end (the caller then assumes the worst).
/// </summary>
internal static partial class WalEnd
{
    public static Lsn? Parse(IEnumerable<string> output, long segmentSize)
    {
        ArgumentNullException.ThrowIfNull(output);
        foreach (var line in output)
        {
            var inRecord = RecordError().Match(line);
            if (inRecord.Success)
            {
                var detail = inRecord.Groups["detail"].Value;
                // A page that is not the next one (zeroes, recycled segment) names its segment and offset, not an LSN.
                var segment = SegmentOffset().Match(detail);
                if (segment.Success)
                {
                    return FromSegment(segment.Groups["file"].Value, long.Parse(segment.Groups["offset"].Value, CultureInfo.InvariantCulture), segmentSize);
                }

                var at = AtLsn().Matches(detail);
                return at.Count > 0 ? Lsn.Parse(at[^1].Groups["lsn"].Value) : null;
            }

            var missing = MissingFile().Match(line);
            if (missing.Success)
            {
                // The next segment does not exist: the WAL ends no later than where it would start.
                return FromSegment(missing.Groups["file"].Value, 0, segmentSize);
            }
        }

        return null;
    }

    /// <summary>The LSN at <paramref name="offset"/> in the segment named like 000000010000000A0000003F.</summary>
    public static Lsn? FromSegment(string fileName, long offset, long segmentSize)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        if (fileName.Length != 24 || segmentSize <= 0 || !IsPowerOfTwo(segmentSize))
        {
            return null;
        }

        var log = ulong.Parse(fileName.AsSpan(8, 8), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        var seg = ulong.Parse(fileName.AsSpan(16, 8), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        var segmentsPerLog = 0x1_0000_0000UL / (ulong)segmentSize;
        return new Lsn(((log * segmentsPerLog) + seg) * (ulong)segmentSize + (ulong)offset);
    }

    private static bool IsPowerOfTwo(long n) => (n & (n - 1)) == 0;

    [GeneratedRegex(@"error in WAL record at [0-9A-Fa-f]+/[0-9A-Fa-f]+: (?<detail>.*)$")]
    private static partial Regex RecordError();

    [GeneratedRegex(@"in log segment (?<file>[0-9A-Fa-f]{24}), offset (?<offset>\d+)")]
    private static partial Regex SegmentOffset();

    [GeneratedRegex(@"\bat (?<lsn>[0-9A-Fa-f]+/[0-9A-Fa-f]+)")]
    private static partial Regex AtLsn();

    [GeneratedRegex(@"could not find file ""(?:.*/)?(?<file>[0-9A-Fa-f]{24})""")]
    private static partial Regex MissingFile();
}
