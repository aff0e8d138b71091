using NodeAgent.Cluster;

namespace NodeAgent.Ha;

/// <summary>
/// Asks other members for their <c>/patroni</c> status before a leader race (ha.py:fetch_nodes_statuses):
/// all in parallel, one attempt each, bounded by <paramref name="timeout"/>. Never throws for a peer:
/// an unanswered call is <see cref="PeerStatus.Unreachable"/>.
/// </summary>
public interface IPeerStatusClient
{
    Task<IReadOnlyList<PeerStatus>> GetStatusesAsync(IReadOnlyList<Member> members, TimeSpan timeout, CancellationToken cancellationToken);
}
