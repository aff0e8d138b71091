using Microsoft.Extensions.Logging;
using static NodeAgent.Ha.HaStep;

namespace NodeAgent.Ha;

/// <summary>Failsafe mode: the topology key, and the round of <c>POST /failsafe</c> that keeps a primary without etcd.</summary>
public sealed partial class HaPlanExecutor
{
    /// <summary>Patroni's timeout for one <c>POST /failsafe</c> (ha.py:call_failsafe_member).</summary>
    private static readonly TimeSpan FailsafeCallTimeout = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The topology this leader last tried to write. A write whose answer was lost may have landed: members it added then
    /// see themselves in the key and may race once the lock is gone, so a failsafe round must ask them too.
    /// </summary>
    public IReadOnlyDictionary<string, string>? LastFailsafeAttempt { get; private set; }

    private async Task WriteFailsafeAsync(WriteFailsafe write, Observation o, CancellationToken ct)
    {
        LastFailsafeAttempt = write.Members;
        await Dcs(o, async t =>
        {
            await dcs.WriteFailsafeAsync(write.Members, t).ConfigureAwait(false);
            return true;
        }, ct).ConfigureAwait(false);
        LogFailsafeTopology(logger, string.Join(", ", write.Members.Keys.Order(StringComparer.Ordinal)));
    }

    /// <summary>
    /// ha.py:check_failsafe_topology: all members asked at once, each within 2 s and never past the time the lock has left.
    /// The deadline counts from <c>asked</c>, taken before the first request leaves: every acceptance happens after it.
    /// </summary>
    private async Task<bool> ConfirmFailsafeAsync(ConfirmFailsafe confirm, Observation o, CancellationToken ct)
    {
        if (failsafeClient is null || !LockFresh())
        {
            return false;
        }

        var me = MemberDataFactory.Build(o.Config, o.Postgres, null, o.Paused);
        var heartbeat = new FailsafeHeartbeat(o.Me, me.ConnUrl, me.ApiUrl, o.Dynamic.Ttl);
        var budget = lease.CallBudget(o.Dynamic.RetryTimeout);
        budget = budget < FailsafeCallTimeout ? budget : FailsafeCallTimeout;
        var asked = time.GetTimestamp();
        var refused = confirm.Members.Count == 0 ? [] : await failsafeClient.SendAsync(confirm.Members, heartbeat, budget, ct).ConfigureAwait(false);
        if (refused.Count > 0)
        {
            LogFailsafeRefused(logger, string.Join(", ", refused));
            return false;
        }

        return lease.FailsafeConfirmed(asked, o.Dynamic.Ttl);
    }

    [LoggerMessage(EventId = 1150, Level = LogLevel.Information, Message = "failsafe topology written: {Members}")]
    private static partial void LogFailsafeTopology(ILogger logger, string members);

    [LoggerMessage(EventId = 1151, Level = LogLevel.Warning, Message = "failsafe mode: no acceptance of POST /failsafe from {Members}")]
    private static partial void LogFailsafeRefused(ILogger logger, string members);
}
