using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using NodeAgent.Api.Commands;
using NodeAgent.Configuration;

namespace NodeAgent.Commands;

/// <summary>
/// GET, PATCH and PUT /config (api.py:do_GET_config, do_PATCH_config, do_PUT_config). Patroni stores whatever
/// it is sent; here the config that would be stored must pass the rules bootstrap.dcs passes at start-up
/// (<see cref="DynamicConfigValidator"/>), else 400 names the key and nothing is written: a ttl below
/// loop_wait + 2*retry_timeout would let a healthy leader's lease expire between two renewals.
/// </summary>
internal sealed partial class AgentCommandSink
{
    public async Task<ApiCommandResult> GetConfigAsync(CancellationToken cancellationToken)
    {
        var view = dcs.Current ?? await FreshViewAsync(cancellationToken).ConfigureAwait(false);
        return view.Config is { } config ? ApiCommandResult.FromJson(200, config.DeepClone()) : ApiCommandResult.Text(502, "");
    }

    public async Task<ApiCommandResult> PatchConfigAsync(JsonObject patch, CancellationToken cancellationToken)
    {
        var view = await FreshViewAsync(cancellationToken).ConfigureAwait(false);
        if (view.Config is not { } current)
        {
            return ApiCommandResult.Text(503, "");
        }

        var patched = JsonMergePatch.Apply(current, patch);
        if (Refusal(patched, current) is { } refused)
        {
            return refused;
        }

        var written = await WithDeadline(t => dcs.SetConfigAsync(patched, view.ConfigModRevision, t), cancellationToken).ConfigureAwait(false);
        if (!written)
        {
            return ApiCommandResult.Text(409, "");
        }

        wakeup();
        return ApiCommandResult.FromJson(200, patched);
    }

    public async Task<ApiCommandResult> ReplaceConfigAsync(JsonObject config, CancellationToken cancellationToken)
    {
        // The cached config only tells which timer the caller changed, for the error's key.
        if (Refusal(config, dcs.Current?.Config) is { } refused)
        {
            return refused;
        }

        var written = await WithDeadline(t => dcs.SetConfigAsync(config, null, t), cancellationToken).ConfigureAwait(false);
        if (!written)
        {
            return ApiCommandResult.Text(502, "");
        }

        wakeup();
        return ApiCommandResult.FromJson(200, config.DeepClone());
    }

    /// <summary>400 with "key: what is wrong" when <paramref name="config"/> breaks a rule; null when it may be stored.</summary>
    private ApiCommandResult? Refusal(JsonObject config, JsonObject? previous)
    {
        var result = DynamicConfigValidator.ValidateChange(config, previous);
        if (!result.IsValid)
        {
            LogConfigRefused(logger, result.ErrorText);
            return ApiCommandResult.Text(400, result.ErrorText);
        }

        foreach (var warning in result.Warnings)
        {
            LogConfigWarning(logger, warning.Path, warning.Message);
        }

        return null;
    }

    [LoggerMessage(EventId = 4055, Level = LogLevel.Warning, Message = "config change refused, nothing written: {Errors}")]
    private static partial void LogConfigRefused(ILogger logger, string errors);

    [LoggerMessage(EventId = 4056, Level = LogLevel.Information, Message = "config change accepted with a warning: {Path}: {Message}")]
    private static partial void LogConfigWarning(ILogger logger, string path, string message);
}
