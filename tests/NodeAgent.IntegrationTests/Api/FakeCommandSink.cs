using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using NodeAgent.Api.Commands;

namespace NodeAgent.IntegrationTests.Api;

/// <summary>Records what the API asked and answers with canned results.</summary>
internal sealed class FakeCommandSink : IApiCommandSink
{
    public ConcurrentQueue<object> Calls { get; } = new();

    public Task<ApiCommandResult> SwitchoverAsync(SwitchoverCommand command, CancellationToken cancellationToken) =>
        Record(command, ApiCommandResult.Text(200, $"Successfully switched over to \"{command.Candidate}\""));

    public Task<ApiCommandResult> CancelScheduledSwitchoverAsync(CancellationToken cancellationToken) =>
        Record("cancel-switchover", ApiCommandResult.Text(404, "no switchover is scheduled"));

    public Task<ApiCommandResult> RestartAsync(RestartCommand command, CancellationToken cancellationToken) =>
        Record(command, ApiCommandResult.Text(200, "restarted successfully"));

    public Task<ApiCommandResult> CancelScheduledRestartAsync(CancellationToken cancellationToken) =>
        Record("cancel-restart", ApiCommandResult.Text(404, "no restarts are scheduled"));

    public Task<ApiCommandResult> ReloadAsync(CancellationToken cancellationToken) =>
        Record("reload", ApiCommandResult.Text(202, "reload scheduled"));

    public Task<ApiCommandResult> ReinitializeAsync(bool force, CancellationToken cancellationToken) =>
        Record(("reinitialize", force), ApiCommandResult.Text(200, "reinitialize started"));

    public Task<ApiCommandResult> GetConfigAsync(CancellationToken cancellationToken) =>
        Record("get-config", ApiCommandResult.FromJson(200, new JsonObject { ["ttl"] = 30, ["loop_wait"] = 10 }));

    public Task<ApiCommandResult> PatchConfigAsync(JsonObject patch, CancellationToken cancellationToken) =>
        Record(patch.ToJsonString(), ApiCommandResult.FromJson(200, patch.DeepClone()));

    public Task<ApiCommandResult> ReplaceConfigAsync(JsonObject config, CancellationToken cancellationToken) =>
        Record(config.ToJsonString(), ApiCommandResult.FromJson(200, config.DeepClone()));

    public Task<ApiCommandResult> GetClusterAsync(CancellationToken cancellationToken) =>
        Record("cluster", ApiCommandResult.FromJson(200, new JsonObject { ["members"] = new JsonArray() }));

    public Task<ApiCommandResult> GetHistoryAsync(CancellationToken cancellationToken) =>
        Record("history", ApiCommandResult.FromJson(200, new JsonArray(new JsonArray(1, 50331808, "no recovery target specified"))));

    public bool FailsafeModeEnabled { get; set; }

    public Task<ApiCommandResult> AcceptFailsafeAsync(JsonObject heartbeat, CancellationToken cancellationToken) =>
        Record("accept-failsafe", ApiCommandResult.Text(200, "Accepted"));

    public Task<ApiCommandResult> ReleaseLeaderAsync(JsonObject body, CancellationToken cancellationToken)
    {
        ReleaseBodies.Enqueue(body.ToJsonString());
        return Record("leader-release", ApiCommandResult.Text(200, "released"));
    }

    /// <summary>The bodies of POST /leader_release, as received.</summary>
    public ConcurrentQueue<string> ReleaseBodies { get; } = new();

    public Task<ApiCommandResult> GetFailsafeAsync(CancellationToken cancellationToken) =>
        Record("failsafe", ApiCommandResult.FromJson(200, new JsonObject { ["u4"] = "http://127.0.1.84:8008/patroni" }));

    private Task<ApiCommandResult> Record(object call, ApiCommandResult result)
    {
        Calls.Enqueue(call);
        return Task.FromResult(result);
    }
}
