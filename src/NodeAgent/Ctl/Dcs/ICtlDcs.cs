using NodeAgent.Cluster;

namespace NodeAgent.Ctl.Dcs;

/// <summary>The few DCS operations agentctl performs itself: one quorum read of a cluster and a few writes.</summary>
internal interface ICtlDcs : IDisposable
{
    Task<ClusterView> ReadAsync(CancellationToken cancellationToken);

    /// <summary>Writes <c>config</c> only if its mod_revision is still <paramref name="modRevision"/>.</summary>
    Task<bool> SetConfigAsync(string json, long modRevision, CancellationToken cancellationToken);

    /// <summary>Writes <c>failover</c> like Patroni's <c>manual_failover</c>; with a revision, only if unchanged.</summary>
    Task<bool> SetFailoverAsync(string? leader, string? candidate, DateTimeOffset? scheduledAt, long? modRevision, CancellationToken cancellationToken);

    /// <summary>Deletes every key under the cluster prefix (<c>remove</c>).</summary>
    Task DeleteClusterAsync(CancellationToken cancellationToken);
}
