using NodeAgent.Configuration;
using NodeAgent.Postgres;
using NodeAgent.Postgres.Rewind;
using Xunit.Abstractions;

namespace NodeAgent.IntegrationTests.Postgres;

/// <summary>A former primary rejoins the promoted replica: with pg_rewind when it diverged, untouched when it did not.</summary>
public sealed class RewindTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(5);
    private static readonly DynamicConfig RewindOn = new() { Postgresql = new DynamicPostgresqlConfig { UsePgRewind = true } };
    private static readonly DynamicConfig RewindOff = new();

    [Fact]
    public async Task Crashed_primary_with_unreplicated_rows_is_rewound_and_streams_from_the_new_leader()
    {
        await using var a = new PostgresNode(output, "rw-a", "127.0.43.1");
        await using var b = new PostgresNode(output, "rw-b", "127.0.43.2");
        await StartPairAsync(a, b);

        // B stops first, so what A writes next exists only on A; then A dies without a shutdown checkpoint.
        await b.Instance.StopAsync(StopMode.Fast, checkpoint: false, CancellationToken.None);
        await ExecAsync(a, "INSERT INTO t SELECT 100 + g FROM generate_series(1, 1000) g");
        await a.Instance.StopAsync(StopMode.Immediate, checkpoint: false, CancellationToken.None);
        Assert.Equal("in production", (await a.Instance.ObserveAsync(CancellationToken.None)).ClusterState);

        await PromoteAsync(b, a);
        await ExecAsync(b, "INSERT INTO t VALUES (2)");

        // use_pg_rewind off and nothing allows removal: refuse, leave the data alone, say so in the member state.
        var refused = await a.Instance.PrepareRejoinAsync(b.AsUpstream, RewindOff, CancellationToken.None);
        Assert.Equal(RejoinOutcome.Refused, refused.Outcome);
        Assert.False(refused.CanStart);
        Assert.Contains("use_pg_rewind is off", refused.Message, StringComparison.Ordinal);
        var blocked = await a.Instance.ObserveAsync(CancellationToken.None);
        Assert.Equal("in production", blocked.ClusterState);
        Assert.NotNull(blocked.StartBlocked);
        Assert.Equal("start failed", NodeAgent.Ha.MemberDataFactory.StateWord(blocked, null));

        var rewound = await a.Instance.PrepareRejoinAsync(b.AsUpstream, RewindOn, CancellationToken.None);
        Assert.Equal(RejoinOutcome.Rewound, rewound.Outcome);
        Assert.True(rewound.CanStart);
        Assert.Null((await a.Instance.ObserveAsync(CancellationToken.None)).StartBlocked);

        await StartAsReplicaAndStreamAsync(a, b);
        await ExecAsync(b, "INSERT INTO t VALUES (3)");
        await Eventually.TrueAsync(async () => await CountAsync(a, "id IN (2, 3)") == 2, Patience, "rows written on B visible on A");
        Assert.Equal(0L, await CountAsync(a, "id > 100"));
        Assert.Equal(1L, await CountAsync(a, "id = 1"));
        Assert.Equal(2, (await a.Instance.ObserveAsync(CancellationToken.None)).Timeline);
    }

    [Fact]
    public async Task Cleanly_stopped_primary_that_the_replica_fully_received_needs_no_rewind()
    {
        await using var a = new PostgresNode(output, "nr-a", "127.0.43.3");
        await using var b = new PostgresNode(output, "nr-b", "127.0.43.4");
        await StartPairAsync(a, b);
        await ExecAsync(a, "INSERT INTO t VALUES (5)");

        // A switchover: A stops with a shutdown checkpoint that B receives before it is promoted.
        await a.Instance.StopAsync(StopMode.Fast, checkpoint: true, CancellationToken.None);
        Assert.Equal("shut down", (await a.Instance.ObserveAsync(CancellationToken.None)).ClusterState);
        await PromoteAsync(b, a);

        var result = await a.Instance.PrepareRejoinAsync(b.AsUpstream, RewindOn, CancellationToken.None);
        Assert.Equal(RejoinOutcome.NotNeeded, result.Outcome);
        Assert.Contains("the leader left timeline 1", result.Message, StringComparison.Ordinal);

        await StartAsReplicaAndStreamAsync(a, b);
        await ExecAsync(b, "INSERT INTO t VALUES (6)");
        await Eventually.TrueAsync(async () => await CountAsync(a, "id IN (5, 6)") == 2, Patience, "rows visible on A");
    }

    [Fact]
    public async Task Diverged_primary_without_rewind_is_removed_when_allowed()
    {
        await using var a = new PostgresNode(output, "rm-a", "127.0.43.5");
        await using var b = new PostgresNode(output, "rm-b", "127.0.43.6");
        await StartPairAsync(a, b);
        await b.Instance.StopAsync(StopMode.Fast, checkpoint: false, CancellationToken.None);
        await ExecAsync(a, "INSERT INTO t VALUES (7)");
        await a.Instance.StopAsync(StopMode.Fast, checkpoint: false, CancellationToken.None);
        await PromoteAsync(b, a);

        var removeOnDiverged = new DynamicConfig { Postgresql = new DynamicPostgresqlConfig { RemoveDataDirectoryOnDivergedTimelines = true } };
        var result = await a.Instance.PrepareRejoinAsync(b.AsUpstream, removeOnDiverged, CancellationToken.None);
        Assert.Equal(RejoinOutcome.Removed, result.Outcome);
        Assert.False(result.CanStart);
        Assert.True(Directory.Exists(a.DataDir));
        Assert.Empty(Directory.EnumerateFileSystemEntries(a.DataDir));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(a.DataDir));
        Assert.Equal(DataDirState.Empty, (await a.Instance.ObserveAsync(CancellationToken.None)).DataDir);
    }

    // A primary with table t (row 1) and B streaming from it through its slot.
    private static async Task StartPairAsync(PostgresNode a, PostgresNode b)
    {
        await a.InitAndStartPrimaryAsync();
        await a.Instance.SyncReplicationSlotsAsync(new HashSet<string> { SlotNames.FromMemberName(b.Name) }, CancellationToken.None);
        await ExecAsync(a, "CREATE TABLE t (id int); INSERT INTO t VALUES (1)");
        await b.Instance.CloneFromAsync(a.AsUpstream, CancellationToken.None);
        await StartAsReplicaAndStreamAsync(b, a);
        await Eventually.TrueAsync(async () => await CountAsync(b, "id = 1") == 1, Patience, "row 1 on the replica");
    }

    // B leaves recovery on timeline 2 and keeps a slot for A. No CHECKPOINT here: the rejoin has to ask for it,
    // or pg_rewind would read timeline 1 from B's pg_control and do nothing.
    private static async Task PromoteAsync(PostgresNode b, PostgresNode a)
    {
        if (!(await b.Instance.ObserveAsync(CancellationToken.None)).IsRunning)
        {
            Assert.True(await b.Instance.StartAsync(asPrimary: false, upstream: null, CancellationToken.None));
        }

        Assert.True(await b.Instance.PromoteAsync(CancellationToken.None));
        await b.Instance.FinishPromotionAsync(CancellationToken.None);
        await b.Instance.SyncReplicationSlotsAsync(new HashSet<string> { SlotNames.FromMemberName(a.Name) }, CancellationToken.None);
    }

    private static async Task StartAsReplicaAndStreamAsync(PostgresNode replica, PostgresNode upstream)
    {
        Assert.True(await replica.Instance.StartAsync(asPrimary: false, upstream.AsUpstream, CancellationToken.None));
        await Eventually.TrueAsync(async () =>
        {
            var o = await upstream.Instance.ObserveAsync(CancellationToken.None);
            return o.Replication.Any(r => r.ApplicationName == replica.Name && r.State == "streaming");
        }, Patience, $"{replica.Name} streaming from {upstream.Name}");
    }

    private static Task ExecAsync(PostgresNode node, string sql) => node.Instance.Sql.ExecuteAsync(sql, Budget, CancellationToken.None);

    private static Task<long> CountAsync(PostgresNode node, string where) =>
        node.Instance.Sql.ScalarAsync<long>("SELECT count(*) FROM t WHERE " + where, Budget, CancellationToken.None);
}
