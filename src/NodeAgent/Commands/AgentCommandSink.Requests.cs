using System.Globalization;
using Microsoft.Extensions.Logging;
using NodeAgent.Api.Commands;
using NodeAgent.Ha;

namespace NodeAgent.Commands;

/// <summary>
/// POST /restart, DELETE /restart and POST /reinitialize (api.py:do_POST_restart, do_DELETE_restart,
/// do_POST_reinitialize). The HA loop answers: a restart request waits for the restart's outcome, a reinitialize
/// request only for the re-clone to start. A scheduled restart is stored for the loop and shown in the member key.
/// </summary>
internal sealed partial class AgentCommandSink
{
    public async Task<ApiCommandResult> RestartAsync(RestartCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        LogRestartRequest(logger, command.Schedule?.ToString("O", CultureInfo.InvariantCulture) ?? "now", command.Role, command.PostgresVersion,
            command.RestartPending, command.TimeoutSeconds);
        var filters = new RestartFilters(command.Role, command.PostgresVersion, command.RestartPending);
        if (command.Schedule is not { } at)
        {
            return await SubmitAsync(id => new RestartRequest(id, filters, command.TimeoutSeconds), cancellationToken).ConfigureAwait(false);
        }

        if (!requests.TrySchedule(new ScheduledRestart(at, filters, command.TimeoutSeconds, postmasterStartTime(), time.GetUtcNow())))
        {
            return ApiCommandResult.Text(409, "Another restart is already scheduled");
        }

        wakeup();
        return ApiCommandResult.Text(202, "Restart scheduled");
    }

    public Task<ApiCommandResult> CancelScheduledRestartAsync(CancellationToken cancellationToken)
    {
        if (!requests.CancelScheduled())
        {
            return Task.FromResult(ApiCommandResult.Text(404, "no restarts are scheduled"));
        }

        wakeup();
        return Task.FromResult(ApiCommandResult.Text(200, "scheduled restart deleted"));
    }

    public Task<ApiCommandResult> ReinitializeAsync(bool force, CancellationToken cancellationToken)
    {
        LogReinitializeRequest(logger, force);
        return SubmitAsync(id => new ReinitializeRequest(id, force), cancellationToken);
    }

    /// <summary>
    /// Leaves the command for the loop and waits for its reply. A command the loop has not taken within a few cycles
    /// (it kept doing other things to postgres) is withdrawn and answered 503; one it took is waited for to the end.
    /// </summary>
    private async Task<ApiCommandResult> SubmitAsync(Func<long, ManualRequest> create, CancellationToken ct)
    {
        if (!requests.TrySubmit(create, out var request, out var reply))
        {
            return ApiCommandResult.Text(503, $"{request.Action} already in progress");
        }

        wakeup();
        var pickup = TimeSpan.FromSeconds(Math.Max(10, 2 * (loopWait() + retryTimeout())));
        using (var waiting = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            var first = await Task.WhenAny(reply, Task.Delay(pickup, time, waiting.Token)).ConfigureAwait(false);
            await waiting.CancelAsync().ConfigureAwait(false);
            if (first != reply && requests.TryWithdraw(request.Id))
            {
                ct.ThrowIfCancellationRequested();
                LogRequestNotTaken(logger, request.Action, pickup.TotalSeconds);
                return ApiCommandResult.Text(503, $"{request.Action} failed: the HA loop did not take it up within {pickup.TotalSeconds:0} s");
            }
        }

        var answer = await reply.WaitAsync(ct).ConfigureAwait(false);
        return ApiCommandResult.Text(answer.Status, answer.Message);
    }

    [LoggerMessage(EventId = 4052, Level = LogLevel.Information, Message = "received restart request: schedule={Schedule} role={Role} postgres_version={Version} restart_pending={Pending} timeout={Timeout}")]
    private static partial void LogRestartRequest(ILogger logger, string schedule, string? role, string? version, bool? pending, int? timeout);

    [LoggerMessage(EventId = 4053, Level = LogLevel.Information, Message = "received reinitialize request: force={Force}")]
    private static partial void LogReinitializeRequest(ILogger logger, bool force);

    [LoggerMessage(EventId = 4054, Level = LogLevel.Warning, Message = "{Action} request withdrawn: the HA loop did not take it up within {Seconds:0} s")]
    private static partial void LogRequestNotTaken(ILogger logger, string action, double seconds);
}
