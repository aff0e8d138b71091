using System.Globalization;

namespace NodeAgent.Api.Commands;

/// <summary>Patroni's <c>parse_schedule</c>: ISO 8601 with a mandatory time zone, not in the past.</summary>
public static class ScheduleParser
{
    public static bool TryParse(string? text, string action, DateTimeOffset now, out DateTimeOffset scheduledAt, out ApiCommandResult? error)
    {
        scheduledAt = default;
        error = null;
        if (text is null
            || !DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var parsed)
            || !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out scheduledAt))
        {
            error = ApiCommandResult.Text(422, "Unable to parse scheduled timestamp. It should be in an unambiguous format, e.g. ISO 8601");
            return false;
        }

        if (parsed.Kind == DateTimeKind.Unspecified)
        {
            error = ApiCommandResult.Text(400, $"Timezone information is mandatory for the scheduled {action}");
            return false;
        }

        if (scheduledAt < now)
        {
            error = ApiCommandResult.Text(422, $"Cannot schedule {action} in the past");
            return false;
        }

        return true;
    }
}
