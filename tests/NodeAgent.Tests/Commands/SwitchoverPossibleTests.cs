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

    private static ClusterView WithState(ClusterView view, string member, string state) => view with
    {
        Members = [.. view.Members.Select(m => m.Name == member ? m with { Data = m.Data with { State = state } } : m)],
    };
}
