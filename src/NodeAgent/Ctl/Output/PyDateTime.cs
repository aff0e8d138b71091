using System.Globalization;

namespace NodeAgent.Ctl.Output;

/// <summary>Python's <c>datetime.isoformat()</c> for aware datetimes: microseconds only when non-zero.</summary>
internal static class PyDateTime
{
    public static string IsoFormat(DateTimeOffset at)
    {
        var micro = at.Ticks % TimeSpan.TicksPerSecond / 10;
        var fraction = micro == 0 ? "" : "." + micro.ToString("D6", CultureInfo.InvariantCulture);
        var offset = at.Offset;
        var sign = offset < TimeSpan.Zero ? "-" : "+";
        offset = offset.Duration();
        return at.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture) + fraction
            + sign + offset.Hours.ToString("D2", CultureInfo.InvariantCulture) + ":" + offset.Minutes.ToString("D2", CultureInfo.InvariantCulture);
    }
}
