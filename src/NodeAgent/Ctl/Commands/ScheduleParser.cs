using System.Globalization;


namespace NodeAgent.Ctl.Commands;

/// <summary><c>parse_scheduled</c>: "now" or nothing means immediately; a time without offset is local time.</summary>
internal static class ScheduleParser
{
    public static DateTimeOffset? Parse(string? scheduled, TimeProvider time)
    {
        if ((scheduled ?? "now") == "now")
        {
            return null;
        }

        if (DateTime.TryParse(scheduled, CultureInfo.InvariantCulture, DateTimeStyles.AllowWhiteSpaces | DateTimeStyles.RoundtripKind, out var parsed))
        {
            if (parsed.Kind == DateTimeKind.Unspecified)
            {
                return new DateTimeOffset(parsed, time.LocalTimeZone.GetUtcOffset(parsed));
            }

            if (DateTimeOffset.TryParse(scheduled, CultureInfo.InvariantCulture, DateTimeStyles.AllowWhiteSpaces, out var withOffset))
            {
                return withOffset;
            }
        }

        throw new CtlException($"Unable to parse scheduled timestamp ({scheduled}). It should be in an unambiguous format (e.g. ISO 8601)");
    }

    /// <summary>The example in the "When should ..." prompts: now + 1 h, local, "%Y-%m-%dT%H:%M".</summary>
    public static string NextHour(TimeProvider time) =>
        time.GetLocalNow().AddHours(1).ToString("yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture);
}
