using NodeAgent.Cluster;
using NodeAgent.Configuration;
using NodeAgent.Postgres;

namespace NodeAgent.Ha;

/// <summary>
/// The leader race (ha.py:is_healthiest_node, is_failover_possible): whether this member may take a free lock, and
/// whether anyone could take it from us.
/// </summary>
public static partial class HaDecider
{
    /// <summary>ha.py:is_healthiest_node, simplified. Null means "yes, race"; otherwise why not.</summary>
    private static string? WhyNotHealthiest(Observation o)
    {
        var pg = o.Postgres;
        var cluster = o.Cluster!;
        if (!pg.IsAcceptingConnections)
        {
            return "postgres is still starting";
        }

        if (o.SincePrePromoteFailure is { } since && since < TimeSpan.FromSeconds(o.Dynamic.Ttl))
        {
            return "backoff: skip leader race after pre_promote script failure and releasing the lock voluntarily";
        }

        // ha.py:manual_failover_process_no_leader in pause: only the named candidate of an unscheduled failover races.
        if (o.Paused && !NoFailover(o.Config) && cluster.Failover is { IsEmpty: false, ScheduledAt: null } paused && !AcceptsWrites(pg))
        {
            return paused.Candidate == o.Me ? null : "paused";
        }

        if (AcceptsWrites(pg))
        {
            return null;
        }

        if (o.Paused)
        {
            return "paused";
        }

        if (NoFailover(o.Config))
        {
            return "nofailover tag";
        }

        // A switchover in synchronous mode: only the synchronous standbys race (ha.py:is_healthiest_node).
        if (o.Dynamic.SynchronousMode && cluster.Failover is { IsEmpty: false, Leader: not null } && !cluster.Sync.Matches(o.Me))
        {
            return "a switchover in synchronous mode and I am not a synchronous standby";
        }

        if (cluster.Failover is { IsEmpty: false, Candidate: { } candidate })
        {
            if (candidate == o.Me)
            {
                return null;
            }

            if (o.Peers.Any(p => p.Member == candidate && p.Reachable && !p.NoFailover))
            {
                return $"manual failover to {candidate}";
            }
        }

        // The leader that just handed over does not race while another healthy member can take the lock; in synchronous
        // mode only a synchronous one can (ha.py:manual_failover_process_no_leader, is_failover_possible).
        if (cluster.Failover is { IsEmpty: false, Leader: { } former } handover && former == o.Me
            && o.Peers.Any(p => p.Reachable && p.Member != o.Me && p.Member != handover.Candidate && p.InRecovery && !p.NoFailover && !p.WatchdogFailed
                && MaySucceed(o, p.Member)))
        {
            return "I am the former leader and a switchover is in progress";
        }

        if ((NotInFailsafeTopology(o) ?? FailsafeRestartHold(o)) is { } failsafeHold)
        {
            return failsafeHold;
        }

        if (o.Config.Watchdog.Mode == WatchdogMode.Required && !o.WatchdogHealthy)
        {
            return "watchdog is required but not usable";
        }

        var myWal = pg.WalPosition ?? Lsn.Zero;
        if (cluster.LastLsn > myWal.Value && cluster.LastLsn - myWal.Value > (ulong)Math.Max(0, o.Dynamic.MaximumLagOnFailover))
        {
            return "my wal position exceeds maximum replication lag";
        }

        if (o.Dynamic.CheckTimeline && (pg.Timeline ?? 0) < cluster.Timeline)
        {
            return $"my timeline {pg.Timeline} is behind last known cluster timeline {cluster.Timeline}";
        }

        // Synchronous mode: only a standby the sync key names has every acknowledged commit; the race is among those.
        if (NotSynchronous(o) is { } notSynchronous)
        {
            return notSynchronous;
        }

        var syncRace = o.Dynamic.SynchronousMode && !cluster.Sync.IsEmpty;

        // manual_failover_process_no_leader: the leader handing over is still shutting down; it is not a rival.
        var handingOver = cluster.Failover is { IsEmpty: false, Leader: { } from } ? from : null;
        foreach (var peer in o.Peers.Where(p => p.Reachable && p.Member != o.Me && p.Member != handingOver && !p.NoFailover && !p.WatchdogFailed)
                     .Where(p => !syncRace || cluster.Sync.Matches(p.Member)))
        {
            if (!peer.InRecovery)
            {
                return $"Primary ({peer.Member}) is still alive";
            }

            // In synchronous mode the former leader may be reachable and ahead of us: what it has beyond us was never
            // acknowledged, so it does not disqualify us (ha.py:_is_healthiest_node).
            if (peer.WalPosition > myWal && !(o.Dynamic.SynchronousMode && peer.Member == cluster.Sync.Leader))
            {
                return $"Wal position of {peer.Member} is ahead of my wal position";
            }
        }

        return QuorumShort(o);
    }

    /// <summary>ha.py:is_failover_possible on member keys: another running replica allowed to promote.</summary>
    private static bool AnyFailoverCandidate(Observation o)
    {
        var healthy = o.Cluster!.Members.Count(m => m.Name != o.Me && m.Data is { Role: MemberRole.Replica, State: "running", NoFailover: false } && MaySucceed(o, m.Name));
        return healthy > 0 && QuorumHandoverShort(o, healthy) is null;
    }
}
