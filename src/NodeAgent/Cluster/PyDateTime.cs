using System.Globalization;

namespace NodeAgent.Cluster;

/// <summary>
/// Python's aware-datetime text, as Patroni writes it into keys and answers: microseconds only when non-zero,
/// offset as +HH:MM. Shared by the DCS codecs, the REST status and agentctl.
/// </summary>
internal static class PyDateTime
{
    /// <summary><c>datetime.isoformat()</c>, e.g. <c>2023-05-01T12:00:00.123456+02:00</c>.</summary>
    public static string IsoFormat(DateTimeOffset at) => Format(at, 'T');

    /// <summary><c>str(datetime)</c>, e.g. <c>2023-05-01 12:00:00.123456+00:00</c> (postmaster_start_time).</summary>
    public static string Str(DateTimeOffset at) => Format(at, ' ');

    private static string Format(DateTimeOffset at, char separator)
    {
        var micro = at.Ticks % TimeSpan.TicksPerSecond / 10;
        var fraction = micro == 0 ? "" : "." + micro.ToString("D6", CultureInfo.InvariantCulture);
        return at.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + separator
            + at.ToString("HH:mm:ss", CultureInfo.InvariantCulture) + fraction
            + at.ToString("zzz", CultureInfo.InvariantCulture);
    }
}
