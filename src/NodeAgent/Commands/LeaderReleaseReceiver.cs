using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using NodeAgent.Api.Commands;
using NodeAgent.Dcs;
using NodeAgent.Ha;

namespace NodeAgent.Commands;

/// <summary>
/// A member's side of the lock handover (<c>POST /leader_release</c>, beyond Patroni): a leader that cannot reach etcd and
/// has stopped its postgres asks us to delete its leader key. We delete it only while etcd still holds that leader's name
/// at the version it names, then wake our HA loop to race for the lock at once.
/// </summary>
internal sealed partial class LeaderReleaseReceiver(IDcs dcs, FailsafeAcceptance failsafe, Func<int> retryTimeout, Action wakeup, ILogger logger)
{
    public async Task<ApiCommandResult> ReleaseAsync(JsonObject body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (body["leader"] is not JsonValue l || !l.TryGetValue<string>(out var leader) || leader.Length == 0
            || body["mod_revision"] is not JsonValue r || !r.TryGetValue<long>(out var revision) || revision <= 0)
        {
            return ApiCommandResult.Text(400, "leader (a member name) and mod_revision (a positive number) are required");
        }

        var release = new LeaderRelease(leader, revision);
        bool released;
        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(TimeSpan.FromSeconds(Math.Max(1, retryTimeout())));
            released = await dcs.ReleaseLeaderForAsync(release, deadline.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is DcsUnavailableException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return ApiCommandResult.Text(503, "etcd is not accessible");
        }

        if (!released)
        {
            LogNotReleased(logger, leader, revision);
            return ApiCommandResult.Text(409, $"the leader key is not {leader}'s at mod_revision {revision}");
        }

        // The key was that leader's very version, which it can no longer renew: it has stopped being primary, so a
        // POST /failsafe it sent before no longer keeps us out of the race.
        failsafe.Withdraw(leader);
        LogReleased(logger, leader, revision);
        wakeup();
        return ApiCommandResult.Text(200, "released");
    }

    [LoggerMessage(EventId = 4060, Level = LogLevel.Warning, Message = "deleted the leader key of {Leader} (mod_revision {ModRevision}) at its request: it stopped postgres and cannot reach etcd")]
    private static partial void LogReleased(ILogger logger, string leader, long modRevision);

    [LoggerMessage(EventId = 4061, Level = LogLevel.Information, Message = "did not delete the leader key for {Leader}: it is not that leader's at mod_revision {ModRevision} any more")]
    private static partial void LogNotReleased(ILogger logger, string leader, long modRevision);
}
