using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using NodeAgent.Api.Commands;
using NodeAgent.Cluster;
using NodeAgent.Dcs;
using NodeAgent.Ha;

namespace NodeAgent.Commands;

/// <summary>
/// What the REST API's unsafe endpoints do (api.py's do_POST_* / do_PATCH_config), against the DCS and the HA loop.
/// Switchover and failover only write the <c>failover</c> key and wake the loop; the HA decision does the rest.
/// Restart and reinitialize are left in <see cref="HaRequests"/> for the HA loop to answer or act on.
/// </summary>
internal sealed partial class AgentCommandSink(
    IDcs dcs,
    Func<int> loopWait,
    Func<int> retryTimeout,
    Action wakeup,
    Action reload,
    TimeProvider time,
    ILogger<AgentCommandSink> logger,
    HaRequests requests,
    Func<DateTimeOffset?> postmasterStartTime,
    FailsafeReceiver? failsafe = null,
    LeaderReleaseReceiver? leaderRelease = null) : IApiCommandSink
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    public async Task<ApiCommandResult> SwitchoverAsync(SwitchoverCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        var action = command.Kind == SwitchoverKind.Failover ? "failover" : "switchover";
        LogRequest(logger, action, command.Leader, command.Candidate, command.ScheduledAt);
        var view = await FreshViewAsync(cancellationToken).ConfigureAwait(false);
        if (command.ScheduledAt is null && WhyNotPossible(view, command, action) is { } why)
        {
            return ApiCommandResult.Text(412, why);
        }

        var written = await WithDeadline(t => dcs.SetFailoverAsync(new FailoverRequest(command.Leader, command.Candidate, command.ScheduledAt, 0), null, t),
            cancellationToken).ConfigureAwait(false);
        if (!written)
        {
            return ApiCommandResult.Text(503, $"failed to write {action} key into DCS");
        }

        if (command.ScheduledAt is not null)
        {
            return ApiCommandResult.Text(202, $"{Title(action)} scheduled");
        }

        wakeup();
        return await PollResultAsync(view.Leader?.Name, command.Candidate, action, cancellationToken).ConfigureAwait(false);
    }

    public async Task<ApiCommandResult> CancelScheduledSwitchoverAsync(CancellationToken cancellationToken)
    {
        var view = await FreshViewAsync(cancellationToken).ConfigureAwait(false);
        if (view.Failover is not { ScheduledAt: not null } failover)
        {
            return ApiCommandResult.Text(404, "no switchover is scheduled");
        }

        var cleared = await WithDeadline(t => dcs.SetFailoverAsync(null, failover.ModRevision, t), cancellationToken).ConfigureAwait(false);
        return cleared ? ApiCommandResult.Text(200, "scheduled switchover deleted") : ApiCommandResult.Text(409, "Failed to delete scheduled switchover");
    }

    public Task<ApiCommandResult> ReloadAsync(CancellationToken cancellationToken)
    {
        reload();
        return Task.FromResult(ApiCommandResult.Text(202, "reload scheduled"));
    }

    public async Task<ApiCommandResult> GetClusterAsync(CancellationToken cancellationToken)
    {
        var view = dcs.Current ?? await FreshViewAsync(cancellationToken).ConfigureAwait(false);
        return ApiCommandResult.FromJson(200, ClusterJson.Build(view));
    }

    public async Task<ApiCommandResult> GetFailsafeAsync(CancellationToken cancellationToken)
    {
        var view = dcs.Current ?? await FreshViewAsync(cancellationToken).ConfigureAwait(false);
        if (view.Failsafe is not { } failsafe)
        {
            return ApiCommandResult.Text(502, "");
        }

        var members = new JsonObject();
        foreach (var (name, apiUrl) in failsafe)
        {
            members[name] = apiUrl;
        }

        return ApiCommandResult.FromJson(200, members);
    }

    public async Task<ApiCommandResult> GetHistoryAsync(CancellationToken cancellationToken)
    {
        var view = dcs.Current ?? await FreshViewAsync(cancellationToken).ConfigureAwait(false);
        return ApiCommandResult.FromJson(200, ClusterJson.History(view.History));
    }

    /// <summary>
    /// api.py:is_failover_possible, on member keys (the HA decision re-checks health before acting). Stricter than
    /// Patroni for a named candidate: one that is not running (e.g. still "creating replica") or carries nofailover
    /// could not promote, so the request is refused before the leader demotes for nothing.
    /// </summary>
    internal static string? WhyNotPossible(ClusterView view, SwitchoverCommand command, string action)
    {
        if (command.Leader is { } leader && view.Leader?.Name != leader)
        {
            return "leader name does not match";
        }

        var synchronous = Ctl.Output.ClusterFlags.IsSynchronousMode(view);
        if (command.Candidate is { } candidate)
        {
            // api.py:is_failover_possible: a switchover in synchronous mode goes only to a synchronous standby; a failover
            // to a named member is the operator's explicit choice and goes ahead.
            if (action == "switchover" && synchronous && !view.Sync.IsStandby(candidate))
            {
                return "candidate name does not match with sync_standby";
            }

            if (view.FindMember(candidate) is null)
            {
                return "candidate does not exists";
            }

            if (candidate == view.Leader?.Name)
            {
                return $"{action} is not possible: candidate is already the leader";
            }

            return CanPromote(view.FindMember(candidate)!.Data) ? null : $"{action} is not possible: no good candidates have been found";
        }

        if (synchronous)
        {
            var standbys = view.Members.Where(m => view.Sync.IsStandby(m.Name)).ToList();
            if (standbys.Count == 0)
            {
                return $"{action} is not possible: can not find sync_standby";
            }

            return standbys.Any(m => CanPromote(m.Data)) ? null : $"{action} is not possible: no good candidates have been found";
        }

        var others = view.Members.Where(m => m.Name != view.Leader?.Name && !string.IsNullOrEmpty(m.Data.ApiUrl)).ToList();
        if (others.Count == 0)
        {
            return $"{action} is not possible: cluster does not have members except leader";
        }

        return others.Any(m => CanPromote(m.Data))
            ? null
            : $"{action} is not possible: no good candidates have been found";
    }

    private static bool CanPromote(MemberData data) => data is { Role: MemberRole.Replica, State: "running", NoFailover: false };

    /// <summary>api.py:poll_failover_result, on the watch cache instead of 1 s sleeps.</summary>
    private async Task<ApiCommandResult> PollResultAsync(string? oldLeader, string? candidate, string action, CancellationToken ct)
    {
        var timeout = TimeSpan.FromSeconds(2 * Math.Max(10, loopWait()));
        var start = time.GetTimestamp();
        while (time.GetElapsedTime(start) < timeout)
        {
            await Task.Delay(PollInterval, time, ct).ConfigureAwait(false);
            var view = dcs.Current;
            if (view is null)
            {
                continue;
            }

            if (view.Leader is { } leader && leader.Name != oldLeader && view.FindMember(leader.Name)?.Data.Role == MemberRole.Primary)
            {
                return candidate is null || candidate == leader.Name
                    ? ApiCommandResult.Text(200, $"Successfully {Past(action)} over to \"{leader.Name}\"")
                    : ApiCommandResult.Text(200, $"{Title(Past(action))} over to \"{leader.Name}\" instead of \"{candidate}\"");
            }

            if (view.Failover is null or { IsEmpty: true } && view.Leader?.Name == oldLeader)
            {
                return ApiCommandResult.Text(503, $"{Title(action)} failed");
            }
        }

        return ApiCommandResult.Text(503, $"{Title(action)} status unknown");
    }

    private async Task<ClusterView> FreshViewAsync(CancellationToken ct)
    {
        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
            deadline.CancelAfter(TimeSpan.FromSeconds(Math.Max(1, retryTimeout())));
            return await dcs.ReadClusterAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is DcsUnavailableException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            return dcs.Current ?? ClusterView.Empty;
        }
    }

    private async Task<bool> WithDeadline(Func<CancellationToken, Task<bool>> call, CancellationToken ct)
    {
        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
            deadline.CancelAfter(TimeSpan.FromSeconds(Math.Max(1, retryTimeout())));
            return await call(deadline.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is DcsUnavailableException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            return false;
        }
    }

    private static string Past(string action) => action == "failover" ? "failed" : "switched";

    private static string Title(string s) => char.ToUpperInvariant(s[0]) + s[1..];

    [LoggerMessage(EventId = 4051, Level = LogLevel.Information, Message = "received {Action} request with leader={Leader} candidate={Candidate} scheduled_at={ScheduledAt}")]
    private static partial void LogRequest(ILogger logger, string action, string? leader, string? candidate, DateTimeOffset? scheduledAt);
}
