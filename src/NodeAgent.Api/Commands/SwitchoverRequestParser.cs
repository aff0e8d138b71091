using System.Text.Json.Nodes;

namespace NodeAgent.Api.Commands;

/// <summary>The request-level checks of Patroni's <c>do_POST_failover</c>; cluster-level checks (412) are the sink's.</summary>
public static class SwitchoverRequestParser
{
    public static bool TryParse(JsonObject body, SwitchoverKind kind, bool paused, DateTimeOffset now,
        out SwitchoverCommand command, out ApiCommandResult? error)
    {
        var action = kind == SwitchoverKind.Failover ? "failover" : "switchover";
        var title = kind == SwitchoverKind.Failover ? "Failover" : "Switchover";
        var leader = NonEmpty(body, "leader");
        var candidate = NonEmpty(body, "candidate") ?? NonEmpty(body, "member");
        var scheduleText = NonEmpty(body, "scheduled_at");
        command = new SwitchoverCommand(kind, leader, candidate, null);
        error = null;

        if (kind == SwitchoverKind.Failover && candidate is null)
        {
            error = ApiCommandResult.Text(400, "Failover could be performed only to a specific candidate");
        }
        else if (kind == SwitchoverKind.Switchover && leader is null)
        {
            error = ApiCommandResult.Text(400, "Switchover could be performed only from a specific leader");
        }
        else if (scheduleText is not null)
        {
            if (leader is null)
            {
                error = ApiCommandResult.Text(400, $"Scheduled {action} is possible only from a specific leader");
            }
            else if (paused)
            {
                error = ApiCommandResult.Text(400, $"Can't schedule {action} in the paused state");
            }
            else if (ScheduleParser.TryParse(scheduleText, action, now, out var at, out error))
            {
                command = command with { ScheduledAt = at };
            }
        }

        if (error is null && paused && candidate is null)
        {
            error = ApiCommandResult.Text(400, $"{title} is possible only to a specific candidate in a paused state");
        }

        return error is null;
    }

    private static string? NonEmpty(JsonObject body, string key) =>
        body[key] is JsonValue value && value.TryGetValue<string>(out var text) && text.Length > 0 ? text : null;
}
