using NodeAgent.Postgres;
using Xunit.Abstractions;

namespace NodeAgent.IntegrationTests.Postgres;

/// <summary>Clone, stream through a slot, promote: two real PostgreSQL 15 nodes on loopback.</summary>
public sealed class ReplicationTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task Replica_clones_streams_through_its_slot_and_promotes_to_timeline_2()
    {
        await using var primary = new PostgresNode(output, "pg-a", "127.0.42.1");
        await using var replica = new PostgresNode(output, "pg-b.x", "127.0.42.2");
        await primary.InitAndStartPrimaryAsync();
        var slot = SlotNames.FromMemberName(replica.Name);
        await primary.Instance.SyncReplicationSlotsAsync(new HashSet<string> { slot }, CancellationToken.None);
        await primary.Instance.Sql.ExecuteAsync("CREATE TABLE t (id int); INSERT INTO t VALUES (1)", Budget, CancellationToken.None);

        await replica.Instance.CloneFromAsync(primary.AsUpstream, CancellationToken.None);
        Assert.True(await replica.Instance.StartAsync(asPrimary: false, primary.AsUpstream, CancellationToken.None));

        await Eventually.TrueAsync(async () =>
        {
            var o = await primary.Instance.ObserveAsync(CancellationToken.None);
            return o.Replication.Any(r => r.ApplicationName == replica.Name && r.State == "streaming");
        }, Patience, "replica streaming in pg_stat_replication");
        Assert.True(await primary.Instance.Sql.ScalarAsync<bool>(
            "SELECT active FROM pg_replication_slots WHERE slot_name = @s", Budget, CancellationToken.None, ("s", slot)));

        await primary.Instance.Sql.ExecuteAsync("INSERT INTO t VALUES (2)", Budget, CancellationToken.None);
        await Eventually.TrueAsync(async () => await replica.Instance.Sql.ScalarAsync<long>(
            "SELECT count(*) FROM t", Budget, CancellationToken.None) == 2, Patience, "row replicated");

        var before = await replica.Instance.ObserveAsync(CancellationToken.None);
        Assert.True(before.IsInRecovery);
        Assert.Equal("streaming", before.ReceiverState);
        Assert.False(before.HasRestoreCommand);
        Assert.Equal(primary.Name, before.FollowingMember);
        Assert.Equal(1, before.Timeline);
        Assert.Equal((await primary.Instance.ObserveAsync(CancellationToken.None)).SystemIdentifier, before.SystemIdentifier);

        // Unknown inactive slots are dropped unless ignore_slots matches them; the wanted one stays.
        await primary.Instance.ApplyDynamicConfigAsync(
            primary.Config.Bootstrap.Dcs with { IgnoreSlots = [new("backup_tool", "physical", null, null), new(null, "logical", null, null)] },
            CancellationToken.None);
        await primary.Instance.Sql.ExecuteAsync(
            "SELECT pg_create_physical_replication_slot('stale'); SELECT pg_create_physical_replication_slot('backup_tool')", Budget, CancellationToken.None);
        await primary.Instance.SyncReplicationSlotsAsync(new HashSet<string> { slot }, CancellationToken.None);
        Assert.Equal(
            $"backup_tool,{slot}",
            await primary.Instance.Sql.ScalarAsync<string>("SELECT string_agg(slot_name, ',' ORDER BY slot_name) FROM pg_replication_slots", Budget, CancellationToken.None));

        await primary.Instance.StopAsync(StopMode.Fast, checkpoint: true, CancellationToken.None);
        Assert.True(await replica.Instance.PromoteAsync(CancellationToken.None));
        await replica.Instance.FinishPromotionAsync(CancellationToken.None);

        var after = await replica.Instance.ObserveAsync(CancellationToken.None);
        Assert.False(after.IsInRecovery);
        Assert.Equal(2, after.Timeline);
        Assert.Null(after.FollowingMember);
        Assert.False(File.Exists(Path.Combine(replica.DataDir, "standby.signal")));
        var history = await replica.Instance.ReadTimelineHistoryAsync(2, CancellationToken.None);
        var entry = Assert.Single(history);
        Assert.Equal(1, entry.Timeline);
        Assert.True(entry.SwitchLsn > 0);
        Assert.True(before.WalPosition!.Value.Value <= entry.SwitchLsn);
    }
}
