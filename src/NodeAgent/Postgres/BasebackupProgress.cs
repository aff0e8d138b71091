using System.Globalization;
using System.Text.RegularExpressions;

namespace NodeAgent.Postgres;

/// <summary>
/// How far a running pg_basebackup is: bytes copied of the total it estimated. pg_basebackup --progress writes one
/// line a second to a non-terminal stderr, "12345/67890 kB (18%), 0/1 tablespace" (with --verbose, a file name follows).
/// </summary>
public sealed partial record BasebackupProgress(long DoneBytes, long TotalBytes)
{
    /// <summary>0-100; the total is an estimate, so done can pass it for a moment.</summary>
    public int Percent => TotalBytes <= 0 ? 0 : (int)Math.Min(100, DoneBytes * 100 / TotalBytes);

    /// <summary>The progress a line of pg_basebackup's output reports, or null for any other line.</summary>
    public static BasebackupProgress? Parse(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var m = ProgressLine().Match(line);
        if (!m.Success
            || !long.TryParse(m.Groups[1].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var done)
            || !long.TryParse(m.Groups[2].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var total)
            || done > long.MaxValue / 1024 || total > long.MaxValue / 1024)
        {
            return null;
        }

        return new BasebackupProgress(done * 1024, total * 1024);
    }

    /// <summary>
    /// A line worth logging: the first, then each further tenth of the total, so a 6-hour copy logs about ten lines
    /// instead of one a second.
    /// </summary>
    public static bool WorthLogging(BasebackupProgress? lastLogged, BasebackupProgress now)
    {
        ArgumentNullException.ThrowIfNull(now);
        return lastLogged is null || now.Percent / 10 > lastLogged.Percent / 10;
    }

    [GeneratedRegex(@"^\s*(\d+)/(\d+) kB \(\d+%\)", RegexOptions.CultureInvariant)]
    private static partial Regex ProgressLine();
}
