using System.Text.Json.Nodes;
using NodeAgent.Cluster;
using NodeAgent.Configuration;
using NodeAgent.Ha;
using NodeAgent.Postgres;

namespace NodeAgent.Tests.Ha;

/// <summary>Small builders for decider scenarios: a cluster, a local postgres, and the observation around them.</summary>
internal static class Given
{
    public const string Sysid = "7212345678901234567";
    public const ulong LeaderLsn = 50_331_808;

    public static Member Member(string name, MemberRole role = MemberRole.Replica, IReadOnlyDictionary<string, object?>? tags = null) =>
        new(name, new MemberData
        {
            ConnUrl = $"postgres://127.0.0.{name[^1]}:5432/postgres",
            ApiUrl = $"http://127.0.0.{name[^1]}:8008/patroni",
            State = "running",
            Role = role,
            Tags = tags,
        }, 1, 1);

    public static ClusterView ClusterWithLeader(string leader, params string[] others) => new()
    {
        Initialize = Sysid,
        Config = new JsonObject { ["ttl"] = 30 },
        Leader = new LeaderKey(leader, 10, 1),
        Members = [Member(leader, MemberRole.Primary), .. others.Select(n => Member(n))],
        LastLsn = LeaderLsn,
    };

    public static ClusterView UnlockedCluster(params string[] members) => new()
    {
        Initialize = Sysid,
        Config = new JsonObject { ["ttl"] = 30 },
        Members = [.. members.Select(n => Member(n))],
        LastLsn = LeaderLsn,
    };

    public static ClusterView EmptyCluster() => ClusterView.Empty;

    public static ClusterView BootstrappingCluster() => new() { Initialize = "" };

    public static PostgresObservation PostgresRunningAsPrimary(ulong lsn = LeaderLsn, int timeline = 1) => new()
    {
        DataDir = DataDirState.Initialized,
        IsRunning = true,
        IsAcceptingConnections = true,
        IsInRecovery = false,
        SystemIdentifier = Sysid,
        Timeline = timeline,
        WalPosition = new Lsn(lsn),
        ClusterState = "in production",
    };

    public static PostgresObservation PostgresRunningAsReplica(string? following = "u4", ulong lsn = LeaderLsn, int timeline = 1) => new()
    {
        DataDir = DataDirState.Initialized,
        IsRunning = true,
        IsAcceptingConnections = true,
        IsInRecovery = true,
        SystemIdentifier = Sysid,
        Timeline = timeline,
        WalPosition = new Lsn(lsn),
        FollowingMember = following,
        ClusterState = "in archive recovery",
    };

    /// <summary>A primary whose status query timed out: what pg_control and postmaster.pid say is all that is known.</summary>
    public static PostgresObservation PostgresHungPrimary() => PostgresRunningAsPrimary() with { IsAcceptingConnections = false, IsInRecovery = null, WalPosition = null };

    public static PostgresObservation ReplicaLaggingBy(ulong bytes) => PostgresRunningAsReplica(lsn: LeaderLsn - bytes);

    public static PostgresObservation PostgresStarting() => PostgresRunningAsReplica() with { IsAcceptingConnections = false, IsInRecovery = null };

    public static PostgresObservation PostgresStopped(string clusterState = "shut down in recovery") => new()
    {
        DataDir = DataDirState.Initialized,
        IsRunning = false,
        SystemIdentifier = Sysid,
        ClusterState = clusterState,
    };

    public static PostgresObservation EmptyDataDir() => new() { DataDir = DataDirState.Empty, IsRunning = false };

    public static AgentConfig Config(string name, params (string Key, object? Value)[] tags) => new()
    {
        Scope = "demo",
        Name = name,
        Tags = tags.ToDictionary(t => t.Key, t => t.Value),
    };

    /// <summary>create_replica_methods: [restore, basebackup], restore marked no_leader or not.</summary>
    public static AgentConfig WithReplicaMethod(AgentConfig config, bool noLeader) => config with
    {
        Postgresql = config.Postgresql with
        {
            CreateReplicaMethods = ["restore", "basebackup"],
            ReplicaMethods = new Dictionary<string, ReplicaMethodConfig>
            {
                ["restore"] = new("/bin/restore", KeepData: false, NoParams: true, NoLeader: noLeader, []),
            },
        },
    };

    public static Observation Observe(string me, ClusterView? cluster, PostgresObservation postgres) => new()
    {
        Me = me,
        Cluster = cluster,
        DcsAvailable = cluster is not null,
        Postgres = postgres,
        Config = Config(me),
        Dynamic = new DynamicConfig(),
        BelievesHoldsLock = cluster?.Leader?.Name == me,
        LockTimeLeft = cluster?.Leader?.Name == me ? TimeSpan.FromSeconds(18.5) : null,
        SincePreviousCycle = TimeSpan.FromSeconds(10),
    };

    public static PeerStatus PeerReplica(string name, ulong lsn) => new(name, true, true, new Lsn(lsn), 1, false, false);

    public static PeerStatus PeerPrimary(string name) => new(name, true, false, new Lsn(LeaderLsn), 1, false, false);
}
