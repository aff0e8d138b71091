using NodeAgent.Cluster;
using NodeAgent.Ha;
using static NodeAgent.Tests.Ha.Given;

namespace NodeAgent.Tests.Ha;

/// <summary>The member key as ha.py:touch_member writes it.</summary>
public sealed class MemberDataFactoryTests
{
    [Fact]
    public void A_primary_says_checkpoint_after_promote_false_only_while_that_checkpoint_runs()
    {
        var config = Config("u5");

        Assert.False(MemberDataFactory.Build(config, PostgresRunningAsPrimary() with { CheckpointAfterPromotePending = true }, null, false).CheckpointAfterPromote);
        Assert.Null(MemberDataFactory.Build(config, PostgresRunningAsPrimary(), null, false).CheckpointAfterPromote);
        Assert.Null(MemberDataFactory.Build(config, PostgresRunningAsReplica() with { CheckpointAfterPromotePending = true }, null, false).CheckpointAfterPromote);
        Assert.Equal(MemberRole.Primary, MemberDataFactory.Build(config, PostgresRunningAsPrimary(), null, false).Role);
        // The member key names NodeAgent apart from the Patroni version it behaves as (issue 19: list -e in a mixed cluster).
        Assert.Equal(AgentVersion.Current, MemberDataFactory.Build(config, PostgresRunningAsPrimary(), null, false).NodeAgentVersion);
        Assert.Equal(AgentVersion.PatroniCompatible, MemberDataFactory.Build(config, PostgresRunningAsPrimary(), null, false).Version);
    }

    [Fact]
    public void Replication_state_is_streaming_or_in_archive_recovery_only_with_a_restore_command()
    {
        Assert.Equal("streaming", MemberDataFactory.ReplicationState(PostgresRunningAsReplica() with { ReceiverState = "streaming" }));
        Assert.Equal("in archive recovery", MemberDataFactory.ReplicationState(PostgresRunningAsReplica() with { ReceiverState = null, HasRestoreCommand = true }));
        Assert.Null(MemberDataFactory.ReplicationState(PostgresRunningAsReplica() with { ReceiverState = "waiting", HasRestoreCommand = false }));
        Assert.Null(MemberDataFactory.ReplicationState(PostgresRunningAsPrimary() with { HasRestoreCommand = true }));
    }

    [Fact]
    public void A_replica_being_created_publishes_its_base_backup_progress_and_nobody_else_does()
    {
        var config = Config("u5");
        var copying = PostgresRunningAsReplica() with { IsRunning = false, BasebackupProgress = new NodeAgent.Postgres.BasebackupProgress(10, 100) };

        var cloning = MemberDataFactory.Build(config, copying, LongActionKind.Clone, false);

        Assert.Equal("creating replica", cloning.State);
        Assert.Equal(new NodeAgent.Postgres.BasebackupProgress(10, 100), cloning.BasebackupProgress);
        Assert.Null(MemberDataFactory.Build(config, copying, null, false).BasebackupProgress);
    }
}
