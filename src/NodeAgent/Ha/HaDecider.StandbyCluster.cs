using NodeAgent.Configuration;
using NodeAgent.Postgres;
using static NodeAgent.Ha.HaStep;

namespace NodeAgent.Ha;

/// <summary>
/// A standby cluster (dynamic config <c>standby_cluster</c>): the lock holder is the standby leader, a replica of
/// another cluster's primary, and the other members follow it. Removing the section promotes it at the next cycle
/// through the ordinary lock-holder path (ha.py:enforce_primary_role).
/// </summary>
public static partial class HaDecider
{
    /// <summary>utils.py:is_standby_cluster; the parser already drops a section that names no source.</summary>
    private static bool IsStandbyCluster(Observation o) => o.Dynamic.StandbyCluster is not null;

    private static UpstreamTarget Remote(Observation o) => RemoteMember.From(o.Dynamic.StandbyCluster!);

    /// <summary>ha.py:bootstrap for a standby cluster: the winner of the initialize race clones from the remote primary.</summary>
    private static HaDecision StandbyBootstrap(Observation o, List<HaStep> steps)
    {
        var remote = Remote(o);
        if (remote.ConnUrl.Length == 0)
        {
            return new("standby_cluster names no host or port to clone the standby leader from (only basebackup is supported)", steps);
        }

        var methods = o.Dynamic.StandbyCluster!.CreateReplicaMethods;
        if (methods.Count > 0 && !methods.Contains("basebackup"))
        {
            return new($"standby_cluster.create_replica_methods [{string.Join(", ", methods)}] has no basebackup, the only method NodeAgent runs", steps);
        }

        var lost = HaDecision.NoSteps("failed to acquire initialize lock");
        return new("trying to bootstrap a new standby leader", [.. steps, new RaceInitialize(WithTouch(lost)), new BootstrapStandbyLeader(remote)]);
    }

    /// <summary>ha.py:recover in a standby cluster: the lock holder starts as the standby leader, anyone else follows its upstream.</summary>
    private static HaDecision? StandbyNotRunning(Observation o)
    {
        if (!IsStandbyCluster(o) || o.Paused)
        {
            return null;
        }

        var disable = new DisableWatchdog();
        if (HoldsLock(o))
        {
            var lostLock = WithTouch(new HaDecision("starting as a secondary after failing to update leader lock in DCS", [disable, new StartAsReplica(null)]));
            return new("starting as a standby leader because i had the session lock", [disable, new UpdateLock(lostLock), new StartAsReplica(Remote(o))]);
        }

        return o.Cluster!.IsLocked
            ? null
            : new("trying to follow a remote member because standby cluster is unhealthy", [disable, new StartAsReplica(Remote(o))]);
    }

    /// <summary>ha.py:process_healthy_cluster in a standby cluster: the lock holder follows the remote primary, the others follow it.</summary>
    private static HaDecision StandbyHealthyCluster(Observation o)
    {
        if (!HoldsLock(o))
        {
            return Follow(o, "cannot be a real primary in a standby cluster",
                $"no action. I am ({o.Me}), a secondary, and following a standby leader ({o.Cluster!.Leader!.Name})");
        }

        var lockLost = AcceptsWrites(o.Postgres) && !o.Paused
            ? new HaDecision("demoted self because failed to update leader lock in DCS", [new Demote(DemoteMode.ImmediateNoLock, null)])
            : HaDecision.NoSteps("not promoting because failed to update leader lock in DCS");
        var follow = StandbyLeaderFollow(o, o.Postgres.FollowingMember == Remote(o).MemberName
            ? $"no action. I am ({o.Me}), the standby leader with the lock"
            : "promoted self to a standby leader because i had the session lock");
        return follow with { Steps = [new UpdateLock(WithTouch(lockLost)), .. follow.Steps] };
    }

    /// <summary>
    /// ha.py:enforce_follow_remote_member: point at the remote primary (a real primary is demoted first); the standby leader
    /// keeps its members' slots and writes its replay position to <c>status</c>, as a leader does (dcs get_replication_slots).
    /// </summary>
    private static HaDecision StandbyLeaderFollow(Observation o, string reason)
    {
        var follow = Follow(o, "cannot be a real primary in standby cluster", reason);
        if (AcceptsWrites(o.Postgres) || !o.Postgres.IsRunning)
        {
            return follow;
        }

        List<HaStep> steps = [.. follow.Steps];
        if (o.Dynamic.Postgresql.UseSlots && o.Postgres.IsAcceptingConnections)
        {
            steps.Add(new SyncSlots(DesiredSlots(o)));
        }

        if (o.Postgres.WalPosition is { } wal)
        {
            steps.Add(new WriteStatus(wal.Value));
        }

        return follow with { Steps = steps };
    }
}
