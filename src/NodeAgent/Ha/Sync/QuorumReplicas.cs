using NodeAgent.Cluster;
using NodeAgent.Postgres;

namespace NodeAgent.Ha.Sync;

/// <summary>The standbys quorum commit may name (<paramref name="Active"/>) and those of them verified caught up.</summary>
public sealed record QuorumReplicas(IReadOnlySet<string> Active, IReadOnlySet<string> Confirmed);

/// <summary><c>postgresql/sync.py:SyncHandler.current_state</c> in quorum commit mode, as a pure function of one look at the primary.</summary>
public static class QuorumReplicaPicker
{
    /// <summary>
    /// Every streaming member that may be synchronous and is within maximum_lag_on_syncnode; a <c>nofailover</c> member only
    /// while fewer than synchronous_node_count are named (it cannot become leader, so naming it costs availability).
    /// </summary>
    public static QuorumReplicas Pick(PrimaryReplication replication, Lsn primaryPosition, ClusterView cluster, IReadOnlySet<string> ready, int count, long maximumLag)
    {
        ArgumentNullException.ThrowIfNull(replication);
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(ready);
        var replicas = SyncStandbyPicker.StreamingCandidates(replication, cluster);

        var maxLsn = replicas.Count > 1 ? replicas.Max(x => x.Lsn) : primaryPosition;
        var active = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var confirmed = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (row, lsn, member) in replicas.OrderBy(x => x.Member.Data.NoFailover))
        {
            if (SyncStandbyPicker.WithinLag(maxLsn, lsn, maximumLag) && (!member.Data.NoFailover || active.Count < count))
            {
                active.Add(member.Name);
                if (ready.Contains(row.ApplicationName))
                {
                    confirmed.Add(member.Name);
                }
            }
        }

        return new QuorumReplicas(active, confirmed);
    }
}
