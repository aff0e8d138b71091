using System.Text.Json.Nodes;
using NodeAgent.Api.Commands;

namespace NodeAgent.Commands;

/// <summary>POST /leader_release, answered by the <see cref="LeaderReleaseReceiver"/> (none: 503).</summary>
internal sealed partial class AgentCommandSink
{
    public Task<ApiCommandResult> ReleaseLeaderAsync(JsonObject body, CancellationToken cancellationToken) =>
        leaderRelease?.ReleaseAsync(body, cancellationToken) ?? Task.FromResult(ApiCommandResult.Text(503, "no leader release here"));
}
