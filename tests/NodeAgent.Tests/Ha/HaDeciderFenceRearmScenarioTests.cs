using NodeAgent.Configuration;
using NodeAgent.Ha;
using static NodeAgent.Ha.HaStep;
using static NodeAgent.Tests.Ha.Given;

namespace NodeAgent.Tests.Ha;

/// <summary>
/// ha.py:enforce_primary_role activates a watchdog that is not running: a primary holding the lock whose fence is disarmed
/// (pause disarms it; a resume, or an agent restarted in pause that adopted the running primary, does not arm it again by
/// itself) arms it before it keeps the primary, and demotes when it cannot. Kicking a disarmed fence does nothing.
/// </summary>
public sealed class HaDeciderFenceRearmScenarioTests
{
    private static readonly DynamicConfig Paused = new() { Pause = true };

    private static readonly Dictionary<string, DecisionRow> Rows = new()
    {
        ["leader with the lock and a disarmed fence arms it again"] = new(
            Observe("u4", ClusterWithLeader("u4", "u5", "u6"), PostgresRunningAsPrimary()) with { FenceArmed = false },
            "no action. I am (u4), the leader with the lock",
            [typeof(UpdateLock), typeof(ActivateWatchdog), typeof(WriteStatus), typeof(SyncSlots), typeof(TouchMember)]),
        ["running primary that retakes the free lock with a disarmed fence arms it"] = new(
            Observe("u4", UnlockedCluster("u4", "u5"), PostgresRunningAsPrimary()) with { FenceArmed = false },
            "acquired session lock as a leader",
            [typeof(AcquireLock), typeof(ActivateWatchdog), typeof(WriteStatus), typeof(SyncSlots), typeof(TouchMember)]),
        ["paused: leader with a disarmed fence leaves it disarmed"] = new(
            Observe("u4", ClusterWithLeader("u4", "u5"), PostgresRunningAsPrimary()) with { Dynamic = Paused, FenceArmed = false },
            "no action. I am (u4), the leader with the lock",
            [typeof(DisableWatchdog), typeof(UpdateLock), typeof(WriteStatus), typeof(SyncSlots), typeof(TouchMember)]),
        ["leader with an armed fence kicks it"] = new(
            Observe("u4", ClusterWithLeader("u4", "u5"), PostgresRunningAsPrimary()) with { FenceArmed = true },
            "no action. I am (u4), the leader with the lock",
            [typeof(UpdateLock), typeof(KeepaliveWatchdog), typeof(WriteStatus), typeof(SyncSlots), typeof(TouchMember)]),
    };

    public static TheoryData<string> Names() => [.. Rows.Keys];

    [Theory]
    [MemberData(nameof(Names))]
    public void Decides(string scenario) => Rows[scenario].AssertDecided();

    [Fact]
    public void Leader_whose_fence_cannot_be_armed_again_demotes_and_releases_the_lock()
    {
        var decision = HaDecider.Decide(Observe("u4", ClusterWithLeader("u4", "u5"), PostgresRunningAsPrimary()) with { FenceArmed = false });

        var otherwise = decision.Find<ActivateWatchdog>()!.Otherwise;
        Assert.Equal("Demoting self because watchdog could not be activated", otherwise.Reason);
        Assert.Equal(DemoteMode.Immediate, otherwise.Find<Demote>()!.Mode);
        Assert.False(otherwise.Has<KeepaliveWatchdog>());
    }
}
