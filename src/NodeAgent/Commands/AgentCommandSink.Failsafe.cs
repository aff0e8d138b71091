using System.Text.Json.Nodes;
using NodeAgent.Api.Commands;

namespace NodeAgent.Commands;

/// <summary>POST /failsafe, answered by the <see cref="FailsafeReceiver"/> (none: as with failsafe_mode off).</summary>
internal sealed partial class AgentCommandSink
{
    public bool FailsafeModeEnabled => failsafe?.Enabled == true;

    public Task<ApiCommandResult> AcceptFailsafeAsync(JsonObject heartbeat, CancellationToken cancellationToken) =>
        Task.FromResult(failsafe?.Accept(heartbeat) ?? ApiCommandResult.Text(502, ""));
}
