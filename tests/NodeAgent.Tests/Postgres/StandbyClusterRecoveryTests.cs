using NodeAgent.Configuration;
using NodeAgent.Ha;
using NodeAgent.Postgres;

namespace NodeAgent.Tests.Postgres;

/// <summary>postgresql/config.py:build_recovery_params for the members of a standby cluster.</summary>
public sealed class StandbyClusterRecoveryTests
{
    private static readonly AgentConfig Config = new()
    {
        Scope = "dc2",
        Name = "u4",
        Postgresql = new PostgresqlConfig
        {
            DataDir = "/data",
            Authentication = new PostgresAuthentication { Replication = new PostgresUser { Username = "replicator", Password = "pw" } },
            RecoveryConf = new Dictionary<string, string> { ["restore_command"] = "local %f %p" },
        },
    };

    private static readonly StandbyClusterConfig Source = new()
    {
        Host = "10.1.0.9",
        Port = 5000,
        PrimarySlotName = "dc2-standby",
        RestoreCommand = "remote %f %p",
        ArchiveCleanupCommand = "cleanup %r",
        RecoveryMinApplyDelay = "5min",
    };

    private static readonly DynamicConfig Standby = new() { StandbyCluster = Source };

    [Fact]
    public void Standby_leader_streams_from_the_source_with_its_slot_and_settings()
    {
        var r = RecoveryParameters.Build(Config, Standby, RemoteMember.From(Source));

        Assert.StartsWith("user=replicator password=pw host=10.1.0.9 port=5000 ", r["primary_conninfo"], StringComparison.Ordinal);
        Assert.EndsWith(" target_session_attrs=read-write", r["primary_conninfo"], StringComparison.Ordinal);
        Assert.Equal("dc2_standby", r["primary_slot_name"]);
        Assert.Equal("remote %f %p", r["restore_command"]);
        Assert.Equal("cleanup %r", r["archive_cleanup_command"]);
        Assert.Equal("5min", r["recovery_min_apply_delay"]);
    }

    [Fact]
    public void Without_primary_slot_name_the_standby_leader_uses_no_slot()
    {
        var source = Source with { PrimarySlotName = null };
        var r = RecoveryParameters.Build(Config, new DynamicConfig { StandbyCluster = source }, RemoteMember.From(source));

        Assert.False(r.ContainsKey("primary_slot_name"));
        Assert.DoesNotContain("target_session_attrs", r["primary_conninfo"], StringComparison.Ordinal);
    }

    [Fact]
    public void Replica_of_the_standby_leader_gets_restore_and_cleanup_but_no_apply_delay()
    {
        var r = RecoveryParameters.Build(Config, Standby, new UpstreamTarget("u5", "postgres://10.2.0.5:5432/postgres"));

        Assert.Contains("host=10.2.0.5", r["primary_conninfo"], StringComparison.Ordinal);
        Assert.Equal("u4", r["primary_slot_name"]);
        Assert.Equal("remote %f %p", r["restore_command"]);
        Assert.Equal("cleanup %r", r["archive_cleanup_command"]);
        Assert.False(r.ContainsKey("recovery_min_apply_delay"));
    }

    [Fact]
    public void Restore_command_only_source_writes_no_conninfo()
    {
        var source = new StandbyClusterConfig { RestoreCommand = "remote %f %p" };
        var r = RecoveryParameters.Build(Config, new DynamicConfig { StandbyCluster = source }, RemoteMember.From(source));

        Assert.False(r.ContainsKey("primary_conninfo"));
        Assert.Equal("remote %f %p", r["restore_command"]);
    }

    [Fact]
    public void Outside_a_standby_cluster_the_local_recovery_conf_stands()
    {
        var r = RecoveryParameters.Build(Config, new DynamicConfig(), new UpstreamTarget("u5", "postgres://10.2.0.5:5432/postgres"));

        Assert.Equal("local %f %p", r["restore_command"]);
    }
}
