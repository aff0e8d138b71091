using System.Text.Json.Nodes;
using NodeAgent.Cluster;

namespace NodeAgent.Dcs;

/// <summary>
/// The distributed configuration store, as the HA loop sees it. The etcd3 implementation keeps
/// <see cref="Current"/> up to date from one range plus a watch; writes go straight to etcd.
/// Every call finishes within <c>retry_timeout</c>: it either succeeds, returns false (a compare
/// failed), or throws <see cref="DcsUnavailableException"/>.
/// </summary>
public interface IDcs : IAsyncDisposable
{
    /// <summary>The last known cluster view (from the watch cache), or null before the first read.</summary>
    ClusterView? Current { get; }

    /// <summary>Monotonic timestamp (<see cref="TimeProvider.GetTimestamp"/>) of the last successful contact with etcd.</summary>
    long LastContactTimestamp { get; }

    /// <summary>The TTL etcd granted to this node's lease, as of its last grant or keepalive (0 before the first).</summary>
    int LeaseTtl { get; }

    /// <summary>
    /// The dynamic config's ttl and retry_timeout, applied at each cycle (Patroni's <c>dcs.reload_config</c>): calls get the
    /// new budget at once; a new ttl means a new lease, which the next refresh takes (a lock holder moves the leader key
    /// to it under a compare, so the lock survives the change).
    /// </summary>
    void ApplyTimings(int ttl, int retryTimeout);

    /// <summary>Starts the cache (range + watch). Returns the first view; throws when etcd cannot be reached.</summary>
    Task<ClusterView> StartAsync(CancellationToken cancellationToken);

    /// <summary>Waits until the leader, config or failover key changes (or, on a replica, status), or the timeout passes.</summary>
    Task WaitForChangeAsync(TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>Re-reads the whole prefix with a quorum read (used after a stall and before decisions that must not be stale).</summary>
    Task<ClusterView> ReadClusterAsync(CancellationToken cancellationToken);

    /// <summary>Refreshes this node's lease (one single-shot keepalive). False when the lease had expired (a new one is granted).</summary>
    Task<bool> RefreshLeaseAsync(CancellationToken cancellationToken);

    /// <summary>Puts <c>members/&lt;name&gt;</c> bound to this node's lease.</summary>
    Task TouchMemberAsync(MemberData data, CancellationToken cancellationToken);

    /// <summary>Creates <c>leader</c> = our name with our lease, only if it does not exist (create_revision == 0).</summary>
    Task<bool> AttemptToAcquireLeaderAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Keeps the lock: a forced lease keepalive plus a check that <c>leader</c> still holds our name
    /// under our lease. Never writes the key unconditionally. False means the lock is lost.
    /// </summary>
    Task<bool> UpdateLeaderAsync(CancellationToken cancellationToken);

    /// <summary>Deletes <c>leader</c> if it still is ours (mod_revision compare).</summary>
    Task<bool> DeleteLeaderAsync(CancellationToken cancellationToken);

    /// <summary>
    /// The lock holder gives its lock up without reaching etcd (its postgres has stopped accepting writes): the lease is
    /// forgotten first, so nothing this node does can keep the leader key alive or count it as held again; only a fresh
    /// acquire (a new key, a new mod_revision) can. Returns the key to have deleted by a member that reaches etcd, or null
    /// when the last view does not show the key held under our lease.
    /// </summary>
    LeaderRelease? AbandonLeaderLease();

    /// <summary>
    /// On behalf of another member (<see cref="AbandonLeaderLease"/>): deletes <c>leader</c> only if it still holds that
    /// member's name at that mod_revision. False when the key is not that version any more.
    /// </summary>
    Task<bool> ReleaseLeaderForAsync(LeaderRelease release, CancellationToken cancellationToken);

    /// <summary>Race for <c>initialize</c> (create_new: create_revision == 0 with ""), or set it to the system identifier.</summary>
    Task<bool> InitializeAsync(bool createNew, string value, CancellationToken cancellationToken);

    Task CancelInitializationAsync(CancellationToken cancellationToken);

    /// <summary>Writes <c>config</c>; with a revision, only if unchanged since (CAS).</summary>
    Task<bool> SetConfigAsync(JsonObject config, long? modRevision, CancellationToken cancellationToken);

    /// <summary>Writes <c>history</c>, the timeline switches oldest first.</summary>
    Task SetHistoryAsync(IReadOnlyList<TimelineHistoryEntry> history, CancellationToken cancellationToken);

    /// <summary>Writes <c>status</c> = {"optime":N} when it changed.</summary>
    Task WriteStatusAsync(ulong optime, CancellationToken cancellationToken);

    /// <summary>
    /// Writes <c>failover</c> (its <see cref="FailoverRequest.ModRevision"/> is not written); null or an empty request
    /// clears it. With a revision, only if unchanged since.
    /// </summary>
    Task<bool> SetFailoverAsync(FailoverRequest? request, long? modRevision, CancellationToken cancellationToken);

    /// <summary>
    /// Writes <c>sync</c> = {leader, sync_standby} only if the key is unchanged since <paramref name="modRevision"/> (0: absent)
    /// and <c>leader</c> still names <paramref name="leader"/>: a leader that lost its lock can no longer name standbys.
    /// </summary>
    /// <remarks>A <paramref name="quorum"/> (quorum commit mode) is written as the key's <c>quorum</c> field.</remarks>
    Task<bool> SetSyncStateAsync(string leader, IReadOnlyList<string> syncStandbys, int? quorum, long modRevision, CancellationToken cancellationToken);

    /// <summary>Deletes <c>sync</c> if it is unchanged since <paramref name="modRevision"/> (synchronous mode turned off).</summary>
    Task<bool> DeleteSyncStateAsync(long modRevision, CancellationToken cancellationToken);

    /// <summary>Writes <c>failsafe</c> = member name -> api_url (failsafe mode: the members the leader relies on).</summary>
    Task WriteFailsafeAsync(IReadOnlyDictionary<string, string> members, CancellationToken cancellationToken);

    /// <summary>Deletes our member key (clean shutdown) .</summary>
    Task DeleteMemberAsync(CancellationToken cancellationToken);
}
