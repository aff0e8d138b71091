using NodeAgent.Cluster;
using NodeAgent.Postgres;
using NodeAgent.Postgres.Relay;

namespace NodeAgent.Ha;

/// <summary>Where a held-off node relays its clients (<see cref="HeldOffClientRelay"/>): a decision on the DCS alone.</summary>
public static class HeldOffRelayTargets
{
    /// <summary>
    /// The lock holder, when it is another member and its member key says it runs as primary: a promotion in progress or a
    /// member key not yet rewritten after it is no target, so no relayed client meets a server still in recovery.
    /// Null without a DCS view (this node cut off from etcd cannot know who leads).
    /// </summary>
    public static RelayTarget? NewPrimary(ClusterView? cluster, string self)
    {
        if (cluster?.LeaderMember is not { } leader || leader.Name == self
            || leader.Data is not { Role: MemberRole.Primary, State: "running" } || leader.Data.ConnUrl.Length == 0)
        {
            return null;
        }

        try
        {
            var (host, port) = ConnInfo.HostPort(leader.Data.ConnUrl);
            return new RelayTarget(leader.Name, host, port);
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
