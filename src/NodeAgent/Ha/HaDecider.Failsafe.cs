using NodeAgent.Postgres;
using static NodeAgent.Ha.HaStep;

namespace NodeAgent.Ha;

/// <summary>
/// Failsafe mode (Patroni 3.0's <c>failsafe_mode</c>): a primary that cannot reach etcd stays writable while every member
/// of the failsafe topology accepts its <c>POST /failsafe</c>; a member that accepted stays out of the leader race and keeps
/// following. The timing that makes this safe lives in <see cref="LeaseClock"/>.
/// </summary>
public static partial class HaDecider
{
    private const string FailsafeKeeps = "continue to run as a leader because failsafe mode is enabled and all members are accessible";

    /// <summary>
    /// ha.py:_handle_dcs_error with failsafe mode: a lock holder still inside its deadline asks every other member of the
    /// topology; when all accept, the deadline counts from that round and the fence hears it. When one does not, the
    /// decision without failsafe mode stands (keep the primary until the deadline the last renewal or round gave, then demote).
    /// </summary>
    private static HaDecision WithFailsafeRound(Observation o, HaDecision withoutFailsafe)
    {
        if (!o.Dynamic.FailsafeMode || o.Paused || !AcceptsWrites(o.Postgres) || !o.BelievesHoldsLock
            || o.LockTimeLeft is not { } left || left <= TimeSpan.Zero)
        {
            return withoutFailsafe;
        }

        // ha.py:check_failsafe_topology: no topology, or one without us, confirms nothing.
        if (o.FailsafeTopology is not { } topology || !topology.ContainsKey(o.Me))
        {
            return withoutFailsafe with { Reason = $"{withoutFailsafe.Reason} (failsafe mode: {o.Me} is not in the failsafe topology)" };
        }

        var others = topology.Where(m => m.Key != o.Me).ToDictionary(m => m.Key, m => m.Value, StringComparer.Ordinal);
        var refused = withoutFailsafe with { Reason = $"failsafe mode: not every member accepted; {withoutFailsafe.Reason}" };
        return new(FailsafeKeeps, [new ConfirmFailsafe(others, refused), new KeepaliveWatchdog()]);
    }

    /// <summary>
    /// ha.py:update_lock passes the failsafe topology with every renewal: the lock holder keeps <c>failsafe</c> naming every
    /// member with a key (and itself), written right after a successful renewal and only when it changed.
    /// </summary>
    private static HaDecision WithFailsafeTopology(Observation o, HaDecision decision)
    {
        if (!o.Dynamic.FailsafeMode || !HoldsLock(o) || decision.Steps.OfType<UpdateLock>().FirstOrDefault() is not { } renew)
        {
            return decision;
        }

        var wanted = FailsafeTopology(o);
        if (o.Cluster!.Failsafe is { } current && current.Count == wanted.Count && wanted.All(m => current.TryGetValue(m.Key, out var url) && url == m.Value))
        {
            return decision;
        }

        var steps = decision.Steps.ToList();
        steps.Insert(steps.IndexOf(renew) + 1, new WriteFailsafe(wanted));
        return decision with { Steps = steps };
    }

    /// <summary>ha.py:_failsafe_config: every member key's api_url, and ours.</summary>
    private static Dictionary<string, string> FailsafeTopology(Observation o)
    {
        var topology = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var member in o.Cluster!.Members.Where(m => !string.IsNullOrEmpty(m.Data.ApiUrl)))
        {
            topology[member.Name] = member.Data.ApiUrl;
        }

        topology.TryAdd(o.Me, MemberDataFactory.Build(o.Config, o.Postgres, null, o.Paused).ApiUrl);
        return topology;
    }

    /// <summary>
    /// ha.py:load_cluster_from_dcs with failsafe mode: the cluster is unlocked, but a leader's <c>POST /failsafe</c> was
    /// accepted less than its validity ago, so that leader may still be primary: follow it, do not race. Null otherwise.
    /// Unlike Patroni, a fresh acceptance holds even if failsafe_mode was turned off since (only a member with it on
    /// accepts): the leader counts on it until its fence fires, whatever the config says meanwhile.
    /// </summary>
    private static HaDecision? FollowFailsafeLeader(Observation o)
    {
        if (o.FailsafeAccepted is not { Fresh: true, Leader: var leader } || leader.Name == o.Me || AcceptsWrites(o.Postgres))
        {
            return null;
        }

        var reason = $"no action. I am ({o.Me}), a secondary, and following a leader ({leader.Name})";
        var upstream = o.Cluster?.FindMember(leader.Name) is { } member
            ? new UpstreamTarget(member.Name, member.Data.ConnUrl)
            : new UpstreamTarget(leader.Name, leader.ConnUrl);
        return o.Postgres.FollowingMember == upstream.MemberName && !StuckBehindNewTimeline(o, upstream)
            ? HaDecision.NoSteps(reason)
            : new(reason, [new HaStep.Follow(upstream, MustCheckDivergence(o, upstream))]);
    }

    /// <summary>ha.py:is_healthiest_node: with failsafe mode, a member the (non-empty) topology does not name never races.</summary>
    private static string? NotInFailsafeTopology(Observation o) =>
        o.Dynamic.FailsafeMode && o.Cluster?.Failsafe is { Count: > 0 } topology && !topology.ContainsKey(o.Me)
            ? $"{o.Me} is not in the failsafe topology"
            : null;

    /// <summary>
    /// Beyond Patroni: an acceptance lives in the agent's memory, so an agent that restarted within ttl may have accepted a
    /// <c>POST /failsafe</c> from a leader that is still primary until its fence fires. In a cluster with a failsafe
    /// topology naming it, a member stays out of the race until it has run for ttl.
    /// </summary>
    private static string? FailsafeRestartHold(Observation o) =>
        o.Dynamic.FailsafeMode && o.Cluster?.Failsafe is { Count: > 1 } topology && topology.ContainsKey(o.Me)
        && o.SinceAgentStart is { } up && up < TimeSpan.FromSeconds(o.Dynamic.Ttl)
            ? $"started {up.TotalSeconds:0.#} s ago in failsafe mode: a POST /failsafe accepted before the restart may still bind this member"
            : null;
}
