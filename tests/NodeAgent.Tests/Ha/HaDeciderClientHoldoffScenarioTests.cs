using NodeAgent.Ha;
using NodeAgent.Postgres;
using static NodeAgent.Ha.HaStep;
using static NodeAgent.Tests.Ha.Given;

namespace NodeAgent.Tests.Ha;

/// <summary>When the decision ends the client hold-off after a switchover: once due, and never beside another postgres action.</summary>
public sealed class HaDeciderClientHoldoffScenarioTests
{
    private static PostgresObservation HeldOff(double secondsLeft, string following = "u4") =>
        PostgresRunningAsReplica(following) with { ClientHoldoffRemaining = TimeSpan.FromSeconds(secondsLeft) };

    private static readonly Dictionary<string, (Observation Observation, bool Opens)> Rows = new()
    {
        ["a replica of the leader whose hold-off is due opens to clients"] = (Observe("u5", ClusterWithLeader("u4", "u5", "u6"), HeldOff(0)), true),
        ["a hold-off overdue by a cycle opens too"] = (Observe("u5", ClusterWithLeader("u4", "u5", "u6"), HeldOff(-3)), true),
        ["a hold-off with time left waits"] = (Observe("u5", ClusterWithLeader("u4", "u5", "u6"), HeldOff(4)), false),
        ["no hold-off, nothing to open"] = (Observe("u5", ClusterWithLeader("u4", "u5", "u6"), PostgresRunningAsReplica()), false),
        ["a replica re-pointed in this cycle opens in a later one"] = (Observe("u5", ClusterWithLeader("u4", "u5", "u6"), HeldOff(0, following: "u6")), false),
        ["a long action in progress is left alone"] = (
            Observe("u5", ClusterWithLeader("u4", "u5", "u6"), HeldOff(0)) with { LongActionInProgress = LongActionKind.Restart }, false),
        ["a stopped postgres has nothing to open"] = (Observe("u5", ClusterWithLeader("u4", "u5", "u6"), PostgresStopped() with { ClientHoldoffRemaining = TimeSpan.Zero }), false),
    };

    public static TheoryData<string> Names() => [.. Rows.Keys];

    [Theory]
    [MemberData(nameof(Names))]
    public void Decides(string scenario)
    {
        var (observation, opens) = Rows[scenario];
        var withoutHoldoff = observation with { Postgres = observation.Postgres with { ClientHoldoffRemaining = null } };

        var decision = HaDecider.Decide(observation);
        var plain = HaDecider.Decide(withoutHoldoff);

        Assert.Equal(opens, decision.Steps.OfType<OpenToClients>().Any());
        // The hold-off adds its step and changes nothing else the cycle decides.
        Assert.Equal(plain.Reason, decision.Reason);
        Assert.Equal(plain.Steps, decision.Steps.Where(s => s is not OpenToClients));
    }
}
