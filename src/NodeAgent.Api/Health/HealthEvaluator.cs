using NodeAgent.Api.Status;

namespace NodeAgent.Api.Health;

/// <summary>
/// Decides 200 or 503 for a health check from a snapshot alone (Patroni <c>api.py:do_GET</c>), pure.
/// NodeAgent is stricter than Patroni on the write endpoints: the lock counts only while its last
/// renewal is younger than ttl (so a stuck loop stops answering 200 on its own), and
/// /primary additionally needs postgres to accept writes right now, or a promotion under way on the lock holder.
/// </summary>
public static class HealthEvaluator
{
    public const int Ok = 200;
    public const int Unavailable = 503;

    /// <param name="lockAge">Monotonic time elapsed since <see cref="StatusSnapshot.LockRenewedTimestamp"/>.</param>
    public static int Evaluate(HealthEndpoint endpoint, HealthQuery query, StatusSnapshot s, TimeSpan lockAge)
    {
        var codes = RoleCodes.Compute(query, s, lockAge);
        var (code, ignoreTags) = endpoint switch
        {
            HealthEndpoint.StandbyLeader => (codes.StandbyLeader, true),
            HealthEndpoint.Leader => (codes.Leader, true),
            HealthEndpoint.Primary => (codes.Primary, true),
            HealthEndpoint.Replica => (codes.Replica, false),
            HealthEndpoint.ReadOnly => (codes.PrimaryOrStandbyLeader ? Ok : codes.Replica, false),
            HealthEndpoint.Health => (s.State == "running" ? Ok : Unavailable, false),
            HealthEndpoint.Sync => (s.DcsAvailable && s.SyncStandby ? codes.Replica : Unavailable, false),
            HealthEndpoint.Async => (s.DcsAvailable && !s.SyncStandby && !s.QuorumStandby ? codes.Replica : Unavailable, false),
            HealthEndpoint.ReadOnlySync => (ReadOnlySync(codes, s, s.SyncStandby), false),
            HealthEndpoint.Quorum => (s.DcsAvailable && s.QuorumStandby ? codes.Replica : Unavailable, false),
            HealthEndpoint.ReadOnlyQuorum => (ReadOnlySync(codes, s, s.QuorumStandby), false),
            _ => (Unavailable, true),
        };

        if (!ignoreTags && code == Ok && !TagsMatch(query, s))
        {
            return Unavailable;
        }

        return code;
    }

    /// <summary>The lock is ours and its last renewal is still trusted (the agent's own demotion deadline, else ttl).</summary>
    public static bool IsLeader(StatusSnapshot s, TimeSpan lockAge) =>
        s.HoldsLock && lockAge >= TimeSpan.Zero && lockAge < (s.LockValidFor ?? TimeSpan.FromSeconds(s.Ttl));

    /// <summary>api.py: /read-only-sync and /read-only-quorum: the primary, or a replica of that kind.</summary>
    private static int ReadOnlySync(RoleCodes codes, StatusSnapshot s, bool standbyOfKind)
    {
        if (!s.DcsAvailable)
        {
            return Unavailable;
        }

        if (codes.PrimaryOrStandbyLeader)
        {
            return Ok;
        }

        return standbyOfKind ? codes.Replica : Unavailable;
    }

    private static bool TagsMatch(HealthQuery query, StatusSnapshot s)
    {
        foreach (var (key, expected) in query.Tags)
        {
            if (!s.Tags.TryGetValue(key, out var actual) || TagValues.AsQueryText(actual) is not { } text || text != expected)
            {
                return false;
            }
        }

        return true;
    }

    private readonly record struct RoleCodes(int Leader, int Primary, int StandbyLeader, int Replica)
    {
        public bool PrimaryOrStandbyLeader => Primary == Ok || StandbyLeader == Ok;

        public static RoleCodes Compute(HealthQuery query, StatusSnapshot s, TimeSpan lockAge)
        {
            var lagging = s.ClusterLastLsn > 0
                && query.MaxLagBytes is { } maxLag
                && s.ClusterLastLsn > SaturatingAdd(s.ReplayedLocation ?? 0, maxLag);
            var replica = !TagValues.IsSet(s.Tags, "noloadbalance") && !lagging && s.Role == "replica" && s.State == "running"
                && !s.ClientsHeldOff ? Ok : Unavailable;

            if (!s.DcsAvailable && s.Paused)
            {
                // Paused without DCS: Patroni trusts the role alone since no lock can be observed.
                var isPrimaryRole = s.Role is "master" or "primary";
                return new(
                    Leader: isPrimaryRole || s.Role == "standby_leader" ? Ok : Unavailable,
                    Primary: isPrimaryRole && s.AcceptsWrites ? Ok : Unavailable,
                    StandbyLeader: s.Role == "standby_leader" ? Ok : Unavailable,
                    Replica: replica);
            }

            if (!IsLeader(s, lockAge))
            {
                return new(Unavailable, Unavailable, Unavailable, replica);
            }

            if (s.IsStandbyCluster)
            {
                return new(
                    Leader: Ok,
                    Primary: Unavailable,
                    StandbyLeader: s.Role is "replica" or "standby_leader" ? Ok : Unavailable,
                    Replica: Unavailable);
            }

            return new(
                Leader: Ok,
                Primary: s.AcceptsWrites || s.Promoting ? Ok : Unavailable,
                StandbyLeader: Unavailable,
                Replica: s.Promoting ? Unavailable : replica);
        }

        private static ulong SaturatingAdd(ulong a, ulong b) => a > ulong.MaxValue - b ? ulong.MaxValue : a + b;
    }
}
