using NodeAgent.Cluster;
using NodeAgent.Postgres;
using static NodeAgent.Ha.HaStep;

namespace NodeAgent.Ha;

/// <summary>
/// The cascading tags. <c>clonefrom</c>: a new replica clones from a running member so tagged, else from the leader.
/// <c>replicatefrom</c>: a replica keeps the physical slots of the members that stream from it (their <c>replicatefrom</c> tag names it),
/// as Patroni's <c>dcs/__init__.py:Cluster.get_replication_slots</c> does for every role: without that slot a
/// cascaded replica cannot stream with <c>use_slots</c>. Slots it no longer needs are dropped in the same step.
/// </summary>
public static partial class HaDecider
{
    private static HaDecision WithCascadeSlots(Observation o, HaDecision body)
    {
        // ha.py:_run_cycle syncs slots on every running node that is not starting and has no async action; a primary
        // does it in EnforcePrimaryRole. Not in a cycle that exits, takes the lock or starts a long action; in pause
        // Patroni drops no slot: this agent then leaves them alone entirely.
        if (HoldsLock(o) || o.Paused || o.LongActionInProgress is not null || !o.Dynamic.Postgresql.UseSlots
            || o.Postgres is not { IsRunning: true, IsAcceptingConnections: true, IsInRecovery: true }
            || body.Steps.Any(s => s is SyncSlots or Exit or AcquireLock or Promote || s.IsLongAction))
        {
            return body;
        }

        return body with { Steps = [new SyncSlots(CascadeSlots(o)), .. body.Steps] };
    }

    /// <summary>Members whose replicatefrom names this node, except the leader among them.</summary>
    internal static HashSet<string> CascadeSlots(Observation o) =>
        o.Cluster!.Members
            .Where(m => m.Name != o.Me && m.Name != o.Cluster.Leader?.Name && ReplicatesFrom(m) == o.Me)
            .Select(m => ReplicationSlotName.FromMemberName(m.Name))
            .ToHashSet(StringComparer.Ordinal);

    /// <summary>
    /// dcs/__init__.py:Cluster.get_clone_member: a running clonefrom member other than this node and the leader, else the
    /// leader. Patroni picks among them at random; the pick here is spread by this node's name so the decision stays pure.
    /// </summary>
    internal static CloneSourcePick? CloneSource(Observation o)
    {
        var cluster = o.Cluster!;
        var candidates = cluster.Members
            .Where(m => m.Data.CloneFrom && m.Data.State == "running" && m.Name != o.Me && m.Name != cluster.Leader?.Name)
            .OrderBy(m => m.Name, StringComparer.Ordinal)
            .ToList();
        if (candidates.Count > 0)
        {
            var pick = candidates[(int)((uint)o.Me.Sum(c => c) % (uint)candidates.Count)];
            return new CloneSourcePick(new UpstreamTarget(pick.Name, pick.Data.ConnUrl), "replica");
        }

        return cluster.LeaderMember is { } leader && leader.Name != o.Me
            ? new CloneSourcePick(new UpstreamTarget(leader.Name, leader.Data.ConnUrl), "leader")
            : null;
    }

    private static string? ReplicatesFrom(Member m) =>
        m.Data.Tags?.TryGetValue("replicatefrom", out var from) == true && from is string name ? name : null;
}

/// <summary>Where a new replica clones from, and that member's role in Patroni's words ("leader" or "replica").</summary>
internal sealed record CloneSourcePick(UpstreamTarget Target, string Role);
