using NodeAgent.Cluster;
using NodeAgent.Postgres;

namespace NodeAgent.Ha.Sync;

/// <summary>The standbys a primary wants as synchronous, and those of them it may name in the sync key.</summary>
/// <param name="Candidates">Wanted in synchronous_standby_names, best first.</param>
/// <param name="Synchronous">Of those, the ones that are synchronous now and verified (<see cref="SyncReadiness"/>).</param>
public sealed record SyncPick(IReadOnlyList<string> Candidates, IReadOnlyList<string> Synchronous);

/// <summary><c>postgresql/sync.py:SyncHandler.current_state</c> as a pure function of one look at the primary.</summary>
public static class SyncStandbyPicker
{
    public static SyncPick Pick(PrimaryReplication replication, Lsn primaryPosition, ClusterView cluster, IReadOnlySet<string> ready, int count, long maximumLag)
    {
        ArgumentNullException.ThrowIfNull(replication);
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(ready);
        var replicas = StreamingCandidates(replication, cluster);

        var maxLsn = replicas.Count > 1 ? replicas.Max(x => x.Lsn) : primaryPosition;
        var candidates = new List<string>();
        var synchronous = new List<string>();
        // Members without nofailover first (a stable sort keeps the order above within each group).
        foreach (var (row, lsn, member) in replicas.OrderBy(x => x.Member.Data.NoFailover))
        {
            if (WithinLag(maxLsn, lsn, maximumLag))
            {
                candidates.Add(member.Name);
                if (row.SyncState == "sync" && ready.Contains(row.ApplicationName))
                {
                    synchronous.Add(member.Name);
                }
            }

            if (candidates.Count >= Math.Max(1, count))
            {
                break;
            }
        }

        return new SyncPick(candidates, synchronous);
    }

    /// <summary>
    /// The streaming walsenders of members that run and may be synchronous, with the position synchronous_commit waits
    /// for, current synchronous standbys first and then by position.
    /// </summary>
    internal static List<(ReplicationConnection Row, Lsn Lsn, Member Member)> StreamingCandidates(PrimaryReplication replication, ClusterView cluster)
    {
        var members = cluster.Members.GroupBy(m => m.Name, StringComparer.OrdinalIgnoreCase).ToDictionary(g => g.Key, g => g.First(), StringComparer.OrdinalIgnoreCase);

        // sync_state sorts async < potential < quorum < sync: descending on (state, position) puts the current
        // synchronous standbys first, so a faster asynchronous one does not push them out.
        // Only streaming walsenders, as postgresql/__init__.py:pg_stat_replication reads them: one catching up would
        // hold every commit until it streams.
        return replication.Rows
            .Where(r => r.State == "streaming")
            .Select(r => (Row: r, Lsn: Position(r, replication.SynchronousCommit)))
            .Where(x => x.Lsn is not null)
            .OrderByDescending(x => x.Row.SyncState, StringComparer.Ordinal).ThenByDescending(x => x.Lsn!.Value)
            .Select(x => (x.Row, Lsn: x.Lsn!.Value, Member: members.GetValueOrDefault(x.Row.ApplicationName)))
            .Where(x => x.Member is { Data.State: "running", Data.NoSync: false })
            .Select(x => (x.Row, x.Lsn, x.Member!))
            .ToList();
    }

    /// <summary>maximum_lag_on_syncnode: at most that many bytes behind the most advanced candidate (0 or less: no limit).</summary>
    internal static bool WithinLag(Lsn maxLsn, Lsn lsn, long maximumLag) =>
        maximumLag <= 0 || maxLsn.Value - Math.Min(maxLsn.Value, lsn.Value) <= (ulong)maximumLag;

    /// <summary>The position synchronous_commit waits for: replay (remote_apply), write (remote_write), else flush.</summary>
    public static Lsn? Position(ReplicationConnection row, string synchronousCommit)
    {
        ArgumentNullException.ThrowIfNull(row);
        return synchronousCommit switch
        {
            "remote_apply" => row.ReplayLsn,
            "remote_write" => row.WriteLsn,
            _ => row.FlushLsn,
        };
    }
}
