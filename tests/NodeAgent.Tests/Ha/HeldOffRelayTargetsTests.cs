using NodeAgent.Cluster;
using NodeAgent.Ha;
using NodeAgent.Postgres.Relay;

namespace NodeAgent.Tests.Ha;

public sealed class HeldOffRelayTargetsTests
{
    [Fact]
    public void The_lock_holder_running_as_primary_is_the_target()
    {
        Assert.Equal(new RelayTarget("u5", "127.0.0.5", 5432), HeldOffRelayTargets.NewPrimary(Given.ClusterWithLeader("u5", "u4", "u6"), "u4"));
    }

    [Fact]
    public void No_view_no_lock_or_this_node_holding_it_gives_no_target()
    {
        Assert.Null(HeldOffRelayTargets.NewPrimary(null, "u4"));
        Assert.Null(HeldOffRelayTargets.NewPrimary(Given.UnlockedCluster("u4", "u5"), "u4"));
        Assert.Null(HeldOffRelayTargets.NewPrimary(Given.ClusterWithLeader("u4", "u5"), "u4"));
    }

    [Theory]
    [InlineData(MemberRole.Replica, "running", "postgres://127.0.0.5:5432/postgres")] // lock taken, promotion not yet written
    [InlineData(MemberRole.Primary, "starting", "postgres://127.0.0.5:5432/postgres")]
    [InlineData(MemberRole.StandbyLeader, "running", "postgres://127.0.0.5:5432/postgres")]
    [InlineData(MemberRole.Primary, "running", "")]
    [InlineData(MemberRole.Primary, "running", "not a url")]
    public void A_lock_holder_not_yet_known_to_run_as_primary_is_no_target(MemberRole role, string state, string connUrl)
    {
        var cluster = Given.ClusterWithLeader("u5", "u4");
        var leader = cluster.FindMember("u5")!;
        cluster = cluster with
        {
            Members = [leader with { Data = leader.Data with { Role = role, State = state, ConnUrl = connUrl } }, cluster.FindMember("u4")!],
        };

        Assert.Null(HeldOffRelayTargets.NewPrimary(cluster, "u4"));
    }
}
