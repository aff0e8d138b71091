using NodeAgent.Api.Commands;
using NodeAgent.Cluster;
using NodeAgent.Commands;
using NodeAgent.Tests.Ctl;

namespace NodeAgent.Tests.Commands;

/// <summary>Which switchover requests are refused before the leader is asked to demote (api.py:is_failover_possible).</summary>
public sealed class SwitchoverPossibleTests
{
    // basic: pg1 leads; pg2 a running replica; pg3 a running replica tagged nofailover.
    private static readonly ClusterView Basic = CtlScenarios.View("basic");

    [Theory]
    [InlineData("pg1", "pg2", null)]
    [InlineData("pg1", "pg9", "candidate does not exists")]
    [InlineData("pg2", "pg3", "leader name does not match")]
    [InlineData("pg1", "pg3", "switchover is not possible: no good candidates have been found")]
    [InlineData("pg1", "pg1", "switchover is not possible: candidate is already the leader")]
    [InlineData("pg1", null, null)]
    public void Named_requests_are_checked_against_member_keys(string leader, string? candidate, string? refusal)
    {
        var command = new SwitchoverCommand(SwitchoverKind.Switchover, leader, candidate, null);

        Assert.Equal(refusal, AgentCommandSink.WhyNotPossible(Basic, command, "switchover"));
    }

    [Theory]
    [InlineData("creating replica")]
    [InlineData("starting")]
    [InlineData("stopped")]
    public void A_candidate_that_is_not_running_is_refused(string state)
    {
        var view = WithState(Basic, "pg2", state);
        var command = new SwitchoverCommand(SwitchoverKind.Switchover, "pg1", "pg2", null);

        Assert.Equal("switchover is not possible: no good candidates have been found", AgentCommandSink.WhyNotPossible(view, command, "switchover"));
        Assert.Equal(
            "switchover is not possible: no good candidates have been found",
            AgentCommandSink.WhyNotPossible(view, command with { Candidate = null }, "switchover"));
    }

    [Theory]
    [InlineData("switchover", "pg2", null)]
    [InlineData("switchover", "pg4", "candidate name does not match with sync_standby")]
    [InlineData("failover", "pg4", null)]
    [InlineData("switchover", null, null)]
    public void Synchronous_mode_hands_over_only_to_a_synchronous_standby(string action, string? candidate, string? refusal)
    {
        var view = WithMember(Synchronous(Basic, "pg2"), "pg4");
        var command = new SwitchoverCommand(action == "failover" ? SwitchoverKind.Failover : SwitchoverKind.Switchover, "pg1", candidate, null);

        Assert.Equal(refusal, AgentCommandSink.WhyNotPossible(view, command, action));
    }

    [Fact]
    public void Synchronous_mode_without_a_synchronous_standby_refuses_a_switchover()
    {
        var command = new SwitchoverCommand(SwitchoverKind.Switchover, "pg1", null, null);

        Assert.Equal("switchover is not possible: can not find sync_standby", AgentCommandSink.WhyNotPossible(Synchronous(Basic), command, "switchover"));
    }

    private static ClusterView Synchronous(ClusterView view, params string[] standbys) => view with
    {
        Config = new System.Text.Json.Nodes.JsonObject { ["synchronous_mode"] = true },
        Sync = new SyncState("pg1", standbys, 5),
    };

    private static ClusterView WithMember(ClusterView view, string name) => view with
    {
        Members = [.. view.Members, new Member(name, view.FindMember("pg2")!.Data, 1, 1)],
    };

    private static ClusterView WithState(ClusterView view, string member, string state) => view with
    {
        Members = [.. view.Members.Select(m => m.Name == member ? m with { Data = m.Data with { State = state } } : m)],
    };
}
