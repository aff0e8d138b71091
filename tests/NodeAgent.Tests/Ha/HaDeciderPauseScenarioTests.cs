using NodeAgent.Cluster;
using NodeAgent.Configuration;
using NodeAgent.Ha;
using static NodeAgent.Ha.HaStep;
using static NodeAgent.Tests.Ha.Given;

namespace NodeAgent.Tests.Ha;

/// <summary>More pause rows (ha.py with is_paused()): what a paused cluster still does (lock bookkeeping, re-pointing, failover to a named candidate).</summary>
public sealed class HaDeciderPauseScenarioTests
{
    private static readonly DynamicConfig Paused = new() { Pause = true };
    private static readonly FailoverRequest FailoverToU5 = new(null, "u5", null, 7);

    private static readonly Dictionary<string, DecisionRow> Rows = new()
    {
        ["paused: lock holder whose postgres stopped releases the lock"] = new(
            Observe("u4", ClusterWithLeader("u4", "u5"), PostgresStopped("in production")) with { Dynamic = Paused },
            "removed leader lock because postgres is not running",
            [typeof(DisableWatchdog), typeof(ReleaseLock), typeof(TouchMember)]),
        ["paused: lock holder running read-only releases the lock"] = new(
            Observe("u4", ClusterWithLeader("u4", "u5"), PostgresRunningAsReplica(following: null)) with { Dynamic = Paused },
            "removed leader lock because postgres is not running as primary",
            [typeof(DisableWatchdog), typeof(ReleaseLock), typeof(TouchMember)]),
        ["paused: running primary retakes the free lock without the watchdog"] = new(
            Observe("u4", UnlockedCluster("u4", "u5"), PostgresRunningAsPrimary()) with { Dynamic = Paused },
            "acquired session lock as a leader",
            [typeof(DisableWatchdog), typeof(AcquireLock), typeof(WriteStatus), typeof(SyncSlots), typeof(TouchMember)]),
        ["paused: replica following an old leader is re-pointed"] = new(
            Observe("u5", ClusterWithLeader("u6", "u5"), PostgresRunningAsReplica("u4")) with { Dynamic = Paused },
            "no action. I am (u5), a secondary, and following a leader (u6)",
            [typeof(DisableWatchdog), typeof(HaStep.Follow), typeof(TouchMember)]),
        ["paused: leader hands over to a named failover candidate"] = new(
            Observe("u4", ClusterWithLeader("u4", "u5") with { Failover = FailoverToU5 }, PostgresRunningAsPrimary()) with { Dynamic = Paused },
            "manual failover: demoting myself in favour of u5",
            [typeof(DisableWatchdog), typeof(UpdateLock), typeof(Demote), typeof(TouchMember)]),
        ["paused: leader clears a failover without candidate"] = new(
            Observe("u4", ClusterWithLeader("u4", "u5") with { Failover = new FailoverRequest("u4", null, null, 7) }, PostgresRunningAsPrimary()) with { Dynamic = Paused },
            "Failover is possible only to a specific candidate in a paused state",
            [typeof(DisableWatchdog), typeof(UpdateLock), typeof(ClearFailover), typeof(WriteStatus), typeof(SyncSlots), typeof(TouchMember)]),
        ["paused: the named candidate races for the free lock and promotes"] = new(
            Observe("u5", UnlockedCluster("u4", "u5") with { Failover = FailoverToU5 }, PostgresRunningAsReplica(following: null)) with { Dynamic = Paused },
            "promoted self to leader by acquiring session lock",
            [typeof(DisableWatchdog), typeof(AcquireLock), typeof(ClearFailover), typeof(Promote), typeof(TouchMember)]),
        ["paused: another replica does not race for a named candidate's lock"] = new(
            Observe("u6", UnlockedCluster("u5", "u6") with { Failover = FailoverToU5 }, PostgresRunningAsReplica(following: null)) with { Dynamic = Paused },
            "no action. I am (u6)",
            [typeof(DisableWatchdog), typeof(TouchMember)]),
        ["paused: the candidate holding the lock waits for its promotion"] = new(
            Observe("u5", ClusterWithLeader("u5", "u4") with { Failover = FailoverToU5 }, PostgresRunningAsReplica(following: null)) with { Dynamic = Paused },
            "waiting to become primary after promote...",
            [typeof(DisableWatchdog), typeof(UpdateLock), typeof(TouchMember)]),
        ["paused: a nofailover candidate does not race"] = new(
            Observe("u5", UnlockedCluster("u5") with { Failover = FailoverToU5 }, PostgresRunningAsReplica(following: null))
                with { Dynamic = Paused, Config = Config("u5", ("nofailover", true)) },
            "no action. I am (u5)",
            [typeof(DisableWatchdog), typeof(TouchMember)]),
        ["paused: a primary demoted by a switchover is started once the new leader allows it"] = new(
            Observe("u4", ClusterWithLeader("u5", "u4"), PostgresStopped("shut down")) with { Dynamic = Paused, RejoinPending = true },
            "starting as a secondary after demotion",
            [typeof(DisableWatchdog), typeof(StartAsReplica), typeof(TouchMember)]),
        ["paused: a demoted primary with no leader to follow stays stopped"] = new(
            Observe("u4", UnlockedCluster("u4", "u5"), PostgresStopped("shut down")) with { Dynamic = Paused, RejoinPending = true },
            "postgres is not running",
            [typeof(DisableWatchdog), typeof(TouchMember)]),
        ["paused: a scheduled failover is not raced for"] = new(
            Observe("u5", UnlockedCluster("u5") with { Failover = FailoverToU5 with { ScheduledAt = DateTimeOffset.UnixEpoch } }, PostgresRunningAsReplica(following: null))
                with { Dynamic = Paused },
            "no action. I am (u5)",
            [typeof(DisableWatchdog), typeof(TouchMember)]),
    };

    public static TheoryData<string> Names() => [.. Rows.Keys];

    [Theory]
    [MemberData(nameof(Names))]
    public void Decides(string scenario) => Rows[scenario].AssertDecided();
}
