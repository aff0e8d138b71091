using Microsoft.Extensions.Logging;
using NodeAgent.Dcs;

namespace NodeAgent.Ha;

/// <summary>
/// The lock handover (beyond Patroni): a leader that could not renew its lock before the lease runs out, once its postgres
/// is down, asks the members that may still reach etcd to delete the leader key for it, so that one of them takes over
/// now instead of when etcd expires the lease.
/// </summary>
public sealed partial class HaPlanExecutor
{
    /// <summary>
    /// Called at the demotion's safepoint (postmaster gone). The lease is forgotten before anything is sent: from then on
    /// this node can hold the lock again only by a fresh acquire, which makes a new key version that no late release
    /// request matches.
    /// </summary>
    private async Task HandOverLockAsync(Observation o, CancellationToken ct)
    {
        // Nobody to ask: the lease is kept, and the lock ends as before the handover existed.
        var members = (o.Cluster ?? dcs.Current)?.Members
            .Where(m => m.Name != o.Me && !string.IsNullOrEmpty(m.Data.ApiUrl))
            .ToDictionary(m => m.Name, m => m.Data.ApiUrl, StringComparer.Ordinal) ?? [];
        if (releaseClient is null || members.Count == 0)
        {
            LogNoMemberToAsk(logger);
            return;
        }

        if (dcs.AbandonLeaderLease() is not { } release)
        {
            LogNothingToHandOver(logger);
            return;
        }

        var timeout = TimeSpan.FromSeconds(Math.Clamp(o.Dynamic.RetryTimeout, 1, 2));
        var by = await releaseClient.SendAsync(members, release, timeout, ct).ConfigureAwait(false);
        if (by is not null)
        {
            LogHandedOver(logger, by, release.ModRevision);
        }
        else
        {
            LogHandoverFailed(logger, string.Join(", ", members.Keys.Order(StringComparer.Ordinal)));
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "handed the leader lock over: {Member} deleted the leader key (mod_revision {ModRevision}) for us")]
    private static partial void LogHandedOver(ILogger logger, string member, long modRevision);

    [LoggerMessage(Level = LogLevel.Warning, Message = "could not hand the leader lock over (asked {Members}); it ends when etcd expires its lease")]
    private static partial void LogHandoverFailed(ILogger logger, string members);

    [LoggerMessage(Level = LogLevel.Information, Message = "no member to hand the leader lock over to; it ends when etcd expires its lease")]
    private static partial void LogNoMemberToAsk(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "no leader lock to hand over")]
    private static partial void LogNothingToHandOver(ILogger logger);
}
