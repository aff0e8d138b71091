using NodeAgent.Cluster;
using NodeAgent.Configuration;
using NodeAgent.Ha;
using NodeAgent.Postgres;
using static NodeAgent.Ha.HaStep;
using static NodeAgent.Tests.Ha.Given;

namespace NodeAgent.Tests.Ha;

/// <summary>
/// The cascading tags: an intermediate replica keeps the slots of the replicas whose <c>replicatefrom</c> names it
/// (dcs/__init__.py:Cluster.get_replication_slots), and a new replica clones from a <c>clonefrom</c> member
/// (Cluster.get_clone_member) while following its <c>replicatefrom</c> member or the leader (ha.py:clone).
/// </summary>
public sealed class HaDeciderCascadeScenarioTests
{
    private static readonly Dictionary<string, object?> FromU5 = new() { ["replicatefrom"] = "u5" };
    private static readonly Dictionary<string, object?> CloneFromTag = new() { ["clonefrom"] = true };

    private static ClusterView Cascade(params Member[] extra) => ClusterWithLeader("u4") with
    {
        Members = [Member("u4", MemberRole.Primary), Member("u5"), .. extra],
    };

    private static IReadOnlySet<string>? Slots(HaDecision d) => d.Steps.OfType<SyncSlots>().SingleOrDefault()?.Slots;

    [Fact]
    public void Intermediate_replica_keeps_the_slot_of_the_replica_that_follows_it()
    {
        var d = HaDecider.Decide(Observe("u5", Cascade(Member("u6", tags: FromU5)), PostgresRunningAsReplica("u4")));

        Assert.Equal(["u6"], Slots(d)!);
        Assert.Equal("no action. I am (u5), a secondary, and following a leader (u4)", d.Reason);
    }

    [Fact]
    public void Intermediate_replica_keeps_no_slot_once_nobody_follows_it_so_the_old_one_is_dropped()
    {
        var d = HaDecider.Decide(Observe("u5", Cascade(Member("u6")), PostgresRunningAsReplica("u4")));

        Assert.Empty(Slots(d)!);
    }

    [Fact]
    public void The_leader_is_never_given_a_slot_on_a_replica_even_if_its_tag_names_it()
    {
        var cluster = ClusterWithLeader("u6") with { Members = [Member("u4"), Member("u5"), Member("u6", MemberRole.Primary, FromU5)] };

        var d = HaDecider.Decide(Observe("u5", cluster, PostgresRunningAsReplica("u6")));

        Assert.Empty(Slots(d)!);
    }

    [Fact]
    public void The_leader_leaves_the_cascaded_replica_to_its_upstream()
    {
        var d = HaDecider.Decide(Observe("u4", Cascade(Member("u6", tags: FromU5)), PostgresRunningAsPrimary()));

        Assert.Equal(["u5"], Slots(d)!);
    }

    [Theory]
    [InlineData("use_slots off")]
    [InlineData("paused")]
    [InlineData("starting")]
    public void No_slot_step_on_a_replica_when(string situation)
    {
        var o = Observe("u5", Cascade(Member("u6", tags: FromU5)), PostgresRunningAsReplica("u4"));
        o = situation switch
        {
            "use_slots off" => o with { Dynamic = new DynamicConfig { Postgresql = new DynamicPostgresqlConfig { UseSlots = false } } },
            "paused" => o with { Dynamic = new DynamicConfig { Pause = true } },
            _ => o with { Postgres = PostgresStarting() },
        };

        Assert.Null(Slots(HaDecider.Decide(o)));
    }

    [Fact]
    public void A_new_replica_clones_from_a_running_clonefrom_member_and_follows_the_leader()
    {
        var cluster = Cascade(Member("u6", tags: CloneFromTag)) with { Members = [Member("u4", MemberRole.Primary), Member("u5"), Member("u6", tags: CloneFromTag)] };

        var d = HaDecider.Decide(Observe("u5", cluster, EmptyDataDir()));

        Assert.Equal("trying to bootstrap from replica 'u6'", d.Reason);
        var clone = Assert.Single(d.Steps.OfType<CloneFrom>());
        Assert.Equal(("u6", "u4"), (clone.Upstream?.MemberName, clone.FollowAfter?.MemberName));
    }

    [Fact]
    public void A_clonefrom_member_that_is_not_running_is_passed_over_for_the_leader()
    {
        var stopped = new Member("u6", Member("u6", tags: CloneFromTag).Data with { State = "stopped" }, 1, 1);
        var cluster = ClusterWithLeader("u4") with { Members = [Member("u4", MemberRole.Primary), Member("u5"), stopped] };

        var d = HaDecider.Decide(Observe("u5", cluster, EmptyDataDir()));

        Assert.Equal("trying to bootstrap from leader 'u4'", d.Reason);
        var clone = Assert.Single(d.Steps.OfType<CloneFrom>());
        Assert.Equal(("u4", null), (clone.Upstream?.MemberName, clone.FollowAfter?.MemberName));
    }

    [Fact]
    public void A_cascaded_replica_clones_from_the_leader_and_then_follows_its_replicatefrom_member()
    {
        var o = Observe("u6", Cascade(Member("u6", tags: FromU5)), EmptyDataDir()) with { Config = Config("u6", ("replicatefrom", "u5")) };

        var d = HaDecider.Decide(o);

        var clone = Assert.Single(d.Steps.OfType<CloneFrom>());
        Assert.Equal(("u4", "u5"), (clone.Upstream?.MemberName, clone.FollowAfter?.MemberName));
    }
}
