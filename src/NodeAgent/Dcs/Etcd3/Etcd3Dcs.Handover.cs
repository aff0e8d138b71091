using Microsoft.Extensions.Logging;

namespace NodeAgent.Dcs.Etcd3;

/// <summary>
/// The lock handover's side of etcd: the holder abandons its lease and names the key version to delete; a member deletes
/// that version only; a holder that nobody released keeps its lock only as a new version.
/// </summary>
internal sealed partial class Etcd3Dcs
{
    // The version of the leader key handed over by AbandonLeaderLease whose release no one has been seen to carry out.
    private long _abandonedRevision;

    public LeaderRelease? AbandonLeaderLease()
    {
        var lease = _lease.Id;
        if (!HoldsLeaderUnder(lease) || _watch.Cache.Get(KeyLayout.LeaderName) is not { } key)
        {
            return null;
        }

        _lease.Drop(lease);
        Interlocked.Exchange(ref _abandonedRevision, key.ModRevision);
        LogLeaseAbandoned(lease, key.ModRevision);
        return new LeaderRelease(_name, key.ModRevision);
    }

    /// <summary>
    /// etcd is back and nobody carried out the release: the key we handed over is still ours only if it is still that
    /// version. Put it under a new lease in one compare, which gives it a new mod_revision: a release request still on its
    /// way can no longer match it, so the lock we keep cannot be deleted behind our back.
    /// </summary>
    private async Task<bool> ReclaimAbandonedAsync(long revision, CancellationToken cancellationToken)
    {
        var lease = await _lease.EnsureAsync(cancellationToken).ConfigureAwait(false);
        MarkContact();
        var txn = EtcdRequests.Txn(
            [EtcdRequests.ValueIs(Layout.Leader, _name), EtcdRequests.ModRevisionIs(Layout.Leader, revision)],
            EtcdRequests.Put(Layout.Leader, _name, lease));
        var response = await TxnAsync("reclaim leader", txn, cancellationToken).ConfigureAwait(false);
        if (!response.Succeeded)
        {
            LogLockLostOwner();
            return false;
        }

        _watch.Cache.ApplyOwnPut(new StoredKey(KeyLayout.LeaderName, _name, response.Header.Revision, lease));
        LogLeaderReclaimed(revision, response.Header.Revision);
        return true;
    }

    public async Task<bool> ReleaseLeaderForAsync(LeaderRelease release, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(release);
        var txn = EtcdRequests.Txn(
            [EtcdRequests.ValueIs(Layout.Leader, release.Leader), EtcdRequests.ModRevisionIs(Layout.Leader, release.ModRevision)],
            EtcdRequests.Delete(Layout.Leader));
        var response = await TxnAsync("release leader", txn, cancellationToken).ConfigureAwait(false);
        if (response.Succeeded)
        {
            _watch.Cache.ApplyOwnDelete(KeyLayout.LeaderName, response.Header.Revision);
        }

        return response.Succeeded;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "kept the leader lock handed over at mod_revision {Old}: nobody released it; it is now mod_revision {New}")]
    private partial void LogLeaderReclaimed(long old, long @new);

    [LoggerMessage(Level = LogLevel.Warning, Message = "abandoned etcd lease {LeaseId:x}: the leader key (mod_revision {ModRevision}) is handed over to be deleted")]
    private partial void LogLeaseAbandoned(long leaseId, long modRevision);
}
