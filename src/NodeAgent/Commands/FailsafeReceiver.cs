using System.Text.Json.Nodes;
using NodeAgent.Api.Commands;
using NodeAgent.Configuration;
using NodeAgent.Ha;

namespace NodeAgent.Commands;

/// <summary>
/// A member's answer to the leader's <c>POST /failsafe</c> (ha.py:update_failsafe): a node running a primary refuses, any
/// other accepts and stays out of the leader race for <see cref="LeaseClock.AcceptanceValidFor"/>.
/// </summary>
internal sealed class FailsafeReceiver(FailsafeAcceptance acceptance, Func<DynamicConfig> dynamic, Func<bool> runningAsPrimary)
{
    public bool Enabled => dynamic().FailsafeMode;

    public ApiCommandResult Accept(JsonObject heartbeat)
    {
        ArgumentNullException.ThrowIfNull(heartbeat);
        if (Text(heartbeat, "name") is not { } name || Text(heartbeat, "conn_url") is not { } connUrl || Text(heartbeat, "api_url") is not { } apiUrl)
        {
            return ApiCommandResult.Text(400, "name, conn_url and api_url are required");
        }

        int? leaderTtl = heartbeat["ttl"] is JsonValue v && v.TryGetValue<int>(out var ttl) && ttl > 0 ? ttl : null;
        if (runningAsPrimary())
        {
            return ApiCommandResult.Text(500, "Running as a leader");
        }

        acceptance.Accept(new FailsafeLeader(name, connUrl, apiUrl), LeaseClock.AcceptanceValidFor(dynamic().Ttl, leaderTtl));
        return ApiCommandResult.Text(200, "Accepted");
    }

    private static string? Text(JsonObject o, string key) =>
        o[key] is JsonValue v && v.TryGetValue<string>(out var s) && s.Length > 0 ? s : null;
}
