using NodeAgent.Cluster;

namespace NodeAgent.Ha;

/// <summary>
/// The role a member shows: in a standby cluster the lock holder's replica is the "standby_leader" (Patroni's
/// postgresql.role, which api.py:get_postgresql_status and touch_member report).
/// </summary>
public static class StandbyLeaderRole
{
    public static MemberRole Shown(Observation o, MemberRole role, bool holdsLock)
    {
        ArgumentNullException.ThrowIfNull(o);
        return role == MemberRole.Replica && holdsLock && o.Dynamic.StandbyCluster is not null ? MemberRole.StandbyLeader : role;
    }
}
