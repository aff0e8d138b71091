using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace NodeAgent.Api.Commands;

/// <summary>The filter validation of Patroni's <c>do_POST_restart</c>.</summary>
public static class RestartRequestParser
{
    public static bool TryParse(JsonObject body, bool paused, DateTimeOffset now, out RestartCommand command, out ApiCommandResult? error)
    {
        command = new RestartCommand(null, null, null, null, null);
        error = null;
        if (paused && body.ContainsKey("schedule"))
        {
            error = ApiCommandResult.Text(500, "Can't schedule restart in the paused state");
            return false;
        }

        foreach (var (key, node) in body)
        {
            error = key switch
            {
                "schedule" => ScheduleParser.TryParse(Text(node), "restart", now, out var at, out var e) ? Set(ref command, command with { Schedule = at }) : e,
                "role" => Text(node) is "master" or "primary" or "replica" ? Set(ref command, command with { Role = Text(node) })
                    : ApiCommandResult.Text(400, "PostgreSQL role should be either primary or replica"),
                "postgres_version" => ValidateVersion(Text(node) ?? node?.ToJsonString() ?? "None") is { } message
                    ? ApiCommandResult.Text(400, message) : Set(ref command, command with { PostgresVersion = Text(node) }),
                "timeout" => ParseSeconds(node) is { } seconds and > 0 ? Set(ref command, command with { TimeoutSeconds = seconds })
                    : ApiCommandResult.Text(400, "Timeout should be a positive number of seconds"),
                "restart_pending" => Set(ref command, command with { RestartPending = IsTrue(node) }),
                _ => ApiCommandResult.Text(400, $"Unknown filter for the scheduled restart: {key}"),
            };
            if (error is not null)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Patroni's <c>postgres_version_to_int</c> errors; null when the version is acceptable.</summary>
    public static string? ValidateVersion(string version)
    {
        var parts = version.Split('.');
        if (parts.Length is < 2 or > 3)
        {
            return $"Invalid PostgreSQL version format: X.Y or X.Y.Z is accepted: {version}";
        }

        if (!parts.All(p => p.Length > 0 && p.All(char.IsAsciiDigit)))
        {
            return $"Invalid PostgreSQL version: {version}";
        }

        return int.Parse(parts[0], CultureInfo.InvariantCulture) < 10 && parts.Length != 3
            ? $"Invalid PostgreSQL version format: X.Y or X.Y.Z is accepted: {version}"
            : null;
    }

    /// <summary>Seconds from a number or a string with a time unit (Patroni <c>parse_int(v, 's')</c>).</summary>
    public static int? ParseSeconds(JsonNode? node)
    {
        if (node is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<double>(out var n))
        {
            return (int)Math.Round(n, MidpointRounding.ToEven);
        }

        var text = Text(node)?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        (string Unit, double Factor)[] units = [("ms", 0.001), ("min", 60), ("s", 1), ("h", 3600), ("d", 86400)];
        var factor = 1.0;
        foreach (var (unit, unitFactor) in units)
        {
            if (text.EndsWith(unit, StringComparison.Ordinal))
            {
                factor = unitFactor;
                text = text[..^unit.Length].TrimEnd();
                break;
            }
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            ? (int)Math.Round(value * factor, MidpointRounding.ToEven)
            : null;
    }

    private static ApiCommandResult? Set(ref RestartCommand target, RestartCommand value)
    {
        target = value;
        return null;
    }

    private static string? Text(JsonNode? node) =>
        node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private static bool IsTrue(JsonNode? node) => node is JsonValue v
        && ((v.TryGetValue<bool>(out var b) && b) || (Text(v)?.ToLowerInvariant() is "on" or "true" or "yes" or "1"));
}
