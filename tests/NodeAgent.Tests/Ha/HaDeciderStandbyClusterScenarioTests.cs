using NodeAgent.Cluster;
using NodeAgent.Configuration;
using NodeAgent.Ha;
using NodeAgent.Postgres;
using static NodeAgent.Ha.HaStep;
using static NodeAgent.Tests.Ha.Given;

namespace NodeAgent.Tests.Ha;

/// <summary>
/// A standby cluster (ha.py: is_standby_cluster, bootstrap_standby_leader, recover, process_healthy_cluster,
/// enforce_follow_remote_member, get_remote_member): the lock holder follows the remote primary, the others follow it,
/// and removing standby_cluster promotes it through the ordinary lock-holder path.
/// </summary>
public sealed class HaDeciderStandbyClusterScenarioTests
{
    private static readonly StandbyClusterConfig Source = new() { Host = "127.0.9.1", Port = 6432, PrimarySlotName = "standby_dc2" };
    private static readonly DynamicConfig Standby = new() { StandbyCluster = Source };
    private static readonly string RemoteName = RemoteMember.From(Source).MemberName;

    private static ClusterView StandbyLeaderCluster(params string[] others) =>
        ClusterWithLeader("u4", others) with { Members = [Member("u4", MemberRole.StandbyLeader), .. others.Select(n => Member(n))] };

    private static Observation InStandby(Observation o) => o with { Dynamic = Standby };

    private static readonly Dictionary<string, DecisionRow> Rows = new()
    {
        ["first member of an empty standby cluster races to clone from the remote primary"] = new(
            InStandby(Observe("u4", EmptyCluster(), EmptyDataDir())),
            "trying to bootstrap a new standby leader",
            [typeof(DisableWatchdog), typeof(RaceInitialize), typeof(BootstrapStandbyLeader), typeof(TouchMember)]),
        ["no source address: no bootstrap, the reason says why"] = new(
            Observe("u4", EmptyCluster(), EmptyDataDir()) with { Dynamic = new() { StandbyCluster = new() { RestoreCommand = "cp /a/%f %p" } } },
            "standby_cluster names no host or port to clone the standby leader from (only basebackup is supported)",
            [typeof(DisableWatchdog), typeof(TouchMember)]),
        ["create_replica_methods without basebackup: no bootstrap, the reason says why"] = new(
            Observe("u4", EmptyCluster(), EmptyDataDir()) with { Dynamic = new() { StandbyCluster = Source with { CreateReplicaMethods = ["wal_e"] } } },
            "standby_cluster.create_replica_methods [wal_e] has no basebackup, the only method NodeAgent runs",
            [typeof(DisableWatchdog), typeof(TouchMember)]),
        ["initialised but leaderless standby cluster: an empty member waits"] = new(
            InStandby(Observe("u5", UnlockedCluster("u4"), EmptyDataDir())),
            "waiting for standby_leader to bootstrap",
            [typeof(DisableWatchdog), typeof(TouchMember)]),
        ["replica of the standby cluster clones from the standby leader"] = new(
            InStandby(Observe("u5", StandbyLeaderCluster("u5"), EmptyDataDir())),
            "trying to bootstrap from leader 'u4'",
            [typeof(DisableWatchdog), typeof(CloneFrom), typeof(TouchMember)]),
        ["standby leader following the remote primary renews the lock and keeps its members' slots"] = new(
            InStandby(Observe("u4", StandbyLeaderCluster("u5"), PostgresRunningAsReplica(RemoteName))),
            "no action. I am (u4), the standby leader with the lock",
            [typeof(UpdateLock), typeof(SyncSlots), typeof(WriteStatus), typeof(TouchMember)]),
        ["lock holder following nobody is pointed at the remote primary"] = new(
            InStandby(Observe("u4", StandbyLeaderCluster("u5"), PostgresRunningAsReplica(following: null))),
            "promoted self to a standby leader because i had the session lock",
            [typeof(UpdateLock), typeof(HaStep.Follow), typeof(SyncSlots), typeof(WriteStatus), typeof(TouchMember)]),
        ["standby leader re-pointed when standby_cluster names another host"] = new(
            InStandby(Observe("u4", StandbyLeaderCluster("u5"), PostgresRunningAsReplica(RemoteMember.From(Source with { Host = "127.0.9.2" }).MemberName))),
            "promoted self to a standby leader because i had the session lock",
            [typeof(UpdateLock), typeof(HaStep.Follow), typeof(SyncSlots), typeof(WriteStatus), typeof(TouchMember)]),
        ["a real primary holding the lock in a standby cluster is demoted to follow the remote"] = new(
            InStandby(Observe("u4", StandbyLeaderCluster("u5"), PostgresRunningAsPrimary())),
            "cannot be a real primary in standby cluster",
            [typeof(UpdateLock), typeof(Demote), typeof(TouchMember)]),
        ["replica of the standby cluster follows the standby leader"] = new(
            InStandby(Observe("u5", StandbyLeaderCluster("u5"), PostgresRunningAsReplica("u4"))),
            "no action. I am (u5), a secondary, and following a standby leader (u4)",
            [typeof(SyncSlots), typeof(TouchMember)]),
        ["stopped standby leader starts as the remote primary's replica"] = new(
            InStandby(Observe("u4", StandbyLeaderCluster("u5"), PostgresStopped())),
            "starting as a standby leader because i had the session lock",
            [typeof(DisableWatchdog), typeof(UpdateLock), typeof(StartAsReplica), typeof(TouchMember)]),
        ["stopped member of a leaderless standby cluster follows the remote primary"] = new(
            InStandby(Observe("u5", UnlockedCluster("u5"), PostgresStopped())),
            "trying to follow a remote member because standby cluster is unhealthy",
            [typeof(DisableWatchdog), typeof(StartAsReplica), typeof(TouchMember)]),
        ["healthiest member of a leaderless standby cluster becomes standby leader without promoting"] = new(
            InStandby(Observe("u5", UnlockedCluster("u5", "u6"), PostgresRunningAsReplica(RemoteName)) with { Peers = [PeerReplica("u6", LeaderLsn - 100)] }),
            "promoted self to a standby leader by acquiring session lock",
            [typeof(AcquireLock), typeof(SyncSlots), typeof(WriteStatus), typeof(TouchMember)]),
        ["standby_cluster removed: the standby leader promotes"] = new(
            Observe("u4", StandbyLeaderCluster("u5"), PostgresRunningAsReplica(RemoteName)),
            "promoted self to leader because I had the session lock",
            [typeof(UpdateLock), typeof(ActivateWatchdog), typeof(Promote), typeof(TouchMember)]),
        ["standby_cluster removed: its replica keeps following the leader"] = new(
            Observe("u5", StandbyLeaderCluster("u5"), PostgresRunningAsReplica("u4")),
            "no action. I am (u5), a secondary, and following a leader (u4)",
            [typeof(SyncSlots), typeof(TouchMember)]),
    };

    public static TheoryData<string> Names() => [.. Rows.Keys];

    [Theory]
    [MemberData(nameof(Names))]
    public void Decides(string scenario) => Rows[scenario].AssertDecided();

    [Fact]
    public void Standby_leader_follows_the_source_named_by_standby_cluster()
    {
        var decision = HaDecider.Decide(InStandby(Observe("u4", StandbyLeaderCluster("u5"), PostgresRunningAsReplica(following: null))));

        var upstream = decision.Find<HaStep.Follow>()!.Upstream!;
        Assert.Equal("postgres://127.0.9.1:6432/postgres", upstream.ConnUrl);
        Assert.Same(Source, upstream.Remote);
    }

    [Fact]
    public void Standby_leader_keeps_slots_for_its_replicas()
    {
        var decision = HaDecider.Decide(InStandby(Observe("u4", StandbyLeaderCluster("u5", "u6"), PostgresRunningAsReplica(RemoteName))));

        Assert.Equal(["u5", "u6"], decision.Find<SyncSlots>()!.Slots.Order());
    }

    [Fact]
    public void Demoted_real_primary_follows_the_remote_primary()
    {
        var decision = HaDecider.Decide(InStandby(Observe("u4", StandbyLeaderCluster("u5"), PostgresRunningAsPrimary())));

        var demote = decision.Find<Demote>()!;
        Assert.Equal(DemoteMode.ImmediateNoLock, demote.Mode);
        Assert.Equal(RemoteName, demote.FollowAfter!.MemberName);
    }

    [Fact]
    public void Remote_member_name_changes_with_every_setting_that_reaches_the_recovery_parameters()
    {
        var names = new[]
        {
            Source, Source with { Host = "h2" }, Source with { Port = 1 }, Source with { PrimarySlotName = "x" },
            Source with { RestoreCommand = "r" }, Source with { ArchiveCleanupCommand = "a" }, Source with { RecoveryMinApplyDelay = "5s" },
        }.Select(s => RemoteMember.From(s).MemberName).ToList();

        Assert.Equal(names.Count, names.Distinct().Count());
        Assert.True(RemoteMember.IsRemote(names[0]));
        Assert.False(RemoteMember.IsRemote("u4"));
    }
}
