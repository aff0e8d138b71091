using NodeAgent.Cluster;
using NodeAgent.Ha.Sync;
using NodeAgent.Postgres;
using static NodeAgent.Ha.HaStep;

namespace NodeAgent.Ha;

/// <summary>
/// Quorum commit, <c>synchronous_mode: quorum</c> (Patroni 4, <c>ha.py:_process_quorum_replication</c>). The primary runs
/// synchronous_standby_names = <c>ANY numsync (sync)</c>; the <c>sync</c> key holds the voters and a quorum. A member
/// may take the lock only after seeing <c>quorum</c> voters (itself counts if it is one) none of which is ahead of it;
/// <see cref="QuorumStateResolver"/> keeps every acknowledging set overlapping every such electing set.
/// </summary>
public static partial class HaDecider
{
    private static bool QuorumMode(Observation o) => o.Dynamic.SynchronousMode && o.Dynamic.QuorumCommit;

    /// <summary>ha.py:quorum_commit_mode_is_active: requested, and a leader already put its name in the key.</summary>
    private static bool QuorumActive(Observation o) => QuorumMode(o) && !o.Cluster!.Sync.IsEmpty;

    /// <summary>global_config.py:min_synchronous_nodes: strict mode keeps at least one standby in every commit.</summary>
    private static int MinSynchronousNodes(Observation o) => o.Dynamic.SynchronousModeStrict ? 1 : 0;

    /// <summary>
    /// One cycle of quorum.py's steps on the leader, in its order. A key write that follows a change of
    /// synchronous_standby_names waits for the next cycle, when the observation shows postgres runs the new value (Patroni
    /// sleeps 0.1 s instead); this also keeps one key write per plan, each compared on the revision it read.
    /// </summary>
    private static (List<HaStep> Steps, string Note) ProcessQuorumReplication(Observation o, string reason)
    {
        var sync = o.Cluster!.Sync;
        if (!o.Postgres.IsAcceptingConnections)
        {
            return ([], "");
        }

        var keyTaken = WithTouch(HaDecision.NoSteps($"{reason}; {SyncKeyTaken}"));
        if (sync.IsEmpty)
        {
            // ha.py:_maybe_enable_synchronous_mode: the key names this leader before anything else.
            return ([new WriteSyncState([], sync.ModRevision, keyTaken, 0)], "; enabling quorum commit");
        }

        var ssn = ParseOrOff(o.Postgres.Primary.SynchronousStandbyNames);
        var wanted = Math.Max(o.Dynamic.SynchronousNodeCount, MinSynchronousNodes(o));
        var replicas = QuorumReplicaPicker.Pick(o.Postgres.Primary, o.Postgres.WalPosition ?? Lsn.Zero, o.Cluster, o.SyncReady, wanted, o.Dynamic.MaximumLagOnSyncnode);

        // ha.py:_handle_synchronous_strict_mode: too few standbys for strict mode; commits wait for the voters (or any).
        if (sync.Leader == o.Me && replicas.Active.Count < MinSynchronousNodes(o))
        {
            var numsync = Math.Max(MinSynchronousNodes(o), sync.SyncStandbys.Count - sync.Quorum);
            return ([SetNames(o, SyncStandbyNames.BuildQuorum(numsync, sync.SyncStandbys))],
                "; no active replication connections and synchronous_mode_strict is requested: commits wait");
        }

        // Non-strict, nobody streaming and no voters: nothing the resolver could remove from the key, so it would only
        // restart; synchronous_standby_names is dropped here or commits would wait for a standby that left.
        if (MinSynchronousNodes(o) == 0 && replicas.Active.Count == 0 && sync.SyncStandbys.Count == 0 && (ssn.Members.Count > 0 || ssn.Count > 0))
        {
            return ([SetNames(o, null)], "");
        }

        // '*' (strict placeholder) names nobody the resolver could count.
        var named = ssn.HasStar ? [] : ssn.Members;
        IReadOnlyList<QuorumTransition> transitions;
        try
        {
            transitions = new QuorumStateResolver(sync.Leader!, sync.Quorum, sync.SyncStandbys, ssn.HasStar ? 0 : ssn.Count, named,
                replicas.Confirmed.Count, replicas.Active, wanted, o.Me).Resolve();
        }
        catch (QuorumException e)
        {
            return ([], $"; quorum state left as it is: {e.Message}");
        }

        var steps = new List<HaStep>();
        var namesChanged = false;
        foreach (var t in transitions.TakeWhile(t => t.Kind != QuorumTransitionKind.Restart))
        {
            if (t.Kind == QuorumTransitionKind.Sync)
            {
                steps.Add(SetNames(o, SyncStandbyNames.BuildQuorum(t.Num, t.Names)));
                namesChanged = true;
            }
            else if (namesChanged)
            {
                break;
            }
            else
            {
                steps.Add(new WriteSyncState([.. t.Names.Order(StringComparer.Ordinal)], sync.ModRevision, keyTaken, t.Num));
            }
        }

        if (transitions.Count == 0 && ssn.Type != "quorum" && named.Count > 0)
        {
            // FIRST -> ANY: a value from synchronous mode or from the operator, kept with quorum semantics.
            steps.Add(SetNames(o, SyncStandbyNames.BuildQuorum(ssn.Count, named)));
        }

        var note = replicas.Active.Count < wanted
            ? $"; synchronous_node_count is {wanted} but {replicas.Active.Count} standby can be synchronous now"
            : "";
        return (steps, note);
    }

    /// <summary>
    /// ha.py:_process_quorum_prepromote: before promoting, commits wait as the key's quorum requires of the remaining
    /// voters and the old leader; the key itself is rewritten by the new leader's first cycles (the resolver's failover case).
    /// </summary>
    private static IEnumerable<HaStep> QuorumBeforePromotion(Observation o)
    {
        var sync = o.Cluster!.Sync;
        var members = new HashSet<string>(sync.Members, StringComparer.OrdinalIgnoreCase);
        var numsync = members.Count - (sync.IsEmpty ? 0 : sync.Quorum) - 1;
        if (!members.Remove(o.Me))
        {
            // Promoted from outside the voters (a manual failover, or it gathered quorum + 1 votes).
            numsync++;
        }

        yield return new SetSynchronousStandbyNames(SyncStandbyNames.BuildQuorum(Math.Max(numsync, MinSynchronousNodes(o)), members));
    }

    /// <summary>
    /// ha.py:_is_healthiest_node's quorum check, after the caller found no rival ahead: the voters seen not ahead of this
    /// member (itself included if it is one) must reach the key's quorum. Then at least one of them holds every
    /// acknowledged commit, and none of them is ahead: this member has them all. The leader the key names needs no votes.
    /// </summary>
    private static string? QuorumShort(Observation o)
    {
        if (!QuorumActive(o))
        {
            return null;
        }

        var sync = o.Cluster!.Sync;
        if (sync.Leader == o.Me)
        {
            return null;
        }

        var voting = new HashSet<string>(sync.Members, StringComparer.OrdinalIgnoreCase);
        var mine = o.Postgres.WalPosition ?? Lsn.Zero;
        var seen = o.Peers
            .Where(p => p.Reachable && p.Member != o.Me && !p.NoFailover && !p.WatchdogFailed && p.InRecovery && voting.Contains(p.Member))
            .Where(p => p.WalPosition > Lsn.Zero && p.WalPosition <= mine)
            .Select(p => p.Member)
            .Order(StringComparer.Ordinal)
            .ToList();
        var votes = (voting.Contains(o.Me) ? 0 : -1) + seen.Count;
        return votes >= sync.Quorum
            ? null
            : $"quorum requirement {sync.Quorum} not reached: {Math.Max(0, votes)} vote(s) from ({string.Join(",", seen)}) of voters ({string.Join(",", sync.SyncStandbys)})";
    }

    /// <summary>
    /// ha.py:is_failover_possible's quorum check for a handover with no named candidate: enough healthy voters that the
    /// one taking over can gather the quorum.
    /// </summary>
    private static string? QuorumHandoverShort(Observation o, int healthyCandidates) =>
        QuorumActive(o) && healthyCandidates - 1 < o.Cluster!.Sync.Quorum
            ? $"Quorum requirement {o.Cluster.Sync.Quorum} can not be reached"
            : null;

    private static SyncStandbyNames ParseOrOff(string? value)
    {
        try
        {
            return SyncStandbyNames.Parse(value);
        }
        catch (FormatException)
        {
            return SyncStandbyNames.Off;
        }
    }
}
