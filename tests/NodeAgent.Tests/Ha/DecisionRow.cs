using NodeAgent.Ha;

namespace NodeAgent.Tests.Ha;

/// <summary>One row of a decider scenario table: what is observed, and the reason and steps the decision must give.</summary>
internal sealed record DecisionRow(Observation Observation, string Reason, Type[] Steps)
{
    public void AssertDecided()
    {
        var decision = HaDecider.Decide(Observation);

        Assert.Equal(Reason, decision.Reason);
        Assert.Equal(Steps.Select(t => t.Name), decision.Steps.Select(s => s.GetType().Name));
    }
}
