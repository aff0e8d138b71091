using NodeAgent.Configuration;
using NodeAgent.IntegrationTests.Fixtures;
using NodeAgent.Postgres;
using NodeAgent.Postgres.Rewind;
using NodeAgent.Processes;
using Xunit.Abstractions;

namespace NodeAgent.IntegrationTests.Postgres;

/// <summary>
/// Issue 18, rewind.py:_archive_ready_wals and pg_rewind --restore-target-wal on two real PostgreSQL 15 servers: a
/// primary that archives, whose archive_command failed for its last segments and whose WAL at the point of divergence
/// was already archived and recycled, crashes; the replica is promoted. The rejoin pushes the segments marked .ready
/// to the archive before the rewind, and pg_rewind fetches the recycled WAL through restore_command.
/// </summary>
public sealed class RewindArchiveTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(10);
    private static readonly DynamicConfig RewindOn = new() { Postgresql = new DynamicPostgresqlConfig { UsePgRewind = true } };

    [Fact]
    public async Task Rewind_after_failover_archives_ready_wal_first_and_restores_recycled_wal_from_the_archive()
    {
        using var dir = new TempDirectory("rwarch");
        File.SetUnixFileMode(dir.Path, (UnixFileMode)0b111_101_101);
        var postgres = Posix.FindUser("postgres")!;
        var archive = dir.Combine("archive");
        Directory.CreateDirectory(archive);
        Posix.Chown(archive, postgres);
        var block = dir.Combine("archiving-blocked");
        var restoreLog = dir.Combine("restored.log");
        File.WriteAllText(restoreLog, "");
        Posix.Chown(restoreLog, postgres);
        // Plain commands, no shell: the agent runs archive_command split into words, as rewind.py does with shlex.
        var archiveScript = Script(dir.Path, "archive.sh", $"[ -e '{block}' ] && exit 1\nexec cp \"$1\" '{archive}'/\"$2\"");
        var restoreScript = Script(dir.Path, "restore.sh", $"cp '{archive}'/\"$1\" \"$2\" || exit 1\necho \"$1\" >> '{restoreLog}'");

        await using var a = new PostgresNode(output, "ra-a", "127.0.43.7", c => c with
        {
            Postgresql = c.Postgresql with
            {
                Parameters = new Dictionary<string, string>(c.Postgresql.Parameters)
                {
                    ["archive_mode"] = "on",
                    ["archive_command"] = $"{archiveScript} %p %f",
                },
                RecoveryConf = new Dictionary<string, string> { ["restore_command"] = $"{restoreScript} %f %p" },
            },
        });
        await using var b = new PostgresNode(output, "ra-b", "127.0.43.8");
        await a.InitAndStartPrimaryAsync();
        await a.Instance.SyncReplicationSlotsAsync(new HashSet<string> { SlotNames.FromMemberName(b.Name) }, CancellationToken.None);
        await ExecAsync(a, "CREATE TABLE t (id int); INSERT INTO t VALUES (1)");
        await b.Instance.CloneFromAsync(a.AsUpstream, CancellationToken.None);
        Assert.True(await b.Instance.StartAsync(asPrimary: false, a.AsUpstream, CancellationToken.None));
        await WaitStreamingAsync(b, a);
        await Eventually.TrueAsync(async () => await CountAsync(b, "id = 1") == 1, Patience, "row 1 on the replica");

        // B stops: from here A diverges. Its slot goes too, so nothing holds A's WAL at the divergence point.
        await b.Instance.StopAsync(StopMode.Fast, checkpoint: false, CancellationToken.None);
        await a.Instance.SyncReplicationSlotsAsync(new HashSet<string>(), CancellationToken.None);
        var divergenceSegment = await a.Instance.Sql.ScalarAsync<string>("SELECT pg_walfile_name(pg_current_wal_lsn())", Budget, CancellationToken.None);
        // wal_keep_size is the agent's default, 128MB (8 segments): switch past it so the divergence segment is recycled.
        for (var i = 0; i < 11; i++)
        {
            await ExecAsync(a, $"INSERT INTO t SELECT 100 + g FROM generate_series({i * 100}, {i * 100 + 99}) g");
            var done = await a.Instance.Sql.ScalarAsync<string>("SELECT pg_walfile_name(pg_switch_wal())", Budget, CancellationToken.None);
            await Eventually.TrueAsync(() => Task.FromResult(File.Exists(Path.Combine(archive, done))), Patience, $"{done} archived");
            await ExecAsync(a, "CHECKPOINT");
        }

        var walDir = Path.Combine(a.DataDir, "pg_wal");
        Assert.True(File.Exists(Path.Combine(archive, divergenceSegment)), $"{divergenceSegment} is in the archive");
        Assert.False(File.Exists(Path.Combine(walDir, divergenceSegment)), $"{divergenceSegment} was recycled on {a.Name}: pg_rewind can only get it from the archive");

        // The archiver fails from now on: the last segments stay marked .ready when A crashes.
        File.WriteAllText(block, "");
        for (var i = 0; i < 2; i++)
        {
            await ExecAsync(a, $"INSERT INTO t VALUES ({10_000 + i})");
            await a.Instance.Sql.ScalarAsync<string>("SELECT pg_walfile_name(pg_switch_wal())", Budget, CancellationToken.None);
        }

        var statusDir = Path.Combine(walDir, "archive_status");
        await Eventually.TrueAsync(() => Task.FromResult(ReadySegments(statusDir).Count >= 2), Patience, "two segments marked .ready on A");
        await a.Instance.StopAsync(StopMode.Immediate, checkpoint: false, CancellationToken.None);
        var ready = ReadySegments(statusDir);
        output.WriteLine($"marked .ready when {a.Name} crashed: {string.Join(", ", ready)}");
        Assert.NotEmpty(ready);
        Assert.All(ready, wal => Assert.False(File.Exists(Path.Combine(archive, wal)), $"{wal} not archived before the rewind"));
        File.Delete(block);

        // Failover: B is promoted and writes on timeline 2.
        Assert.True(await b.Instance.StartAsync(asPrimary: false, upstream: null, CancellationToken.None));
        Assert.True(await b.Instance.PromoteAsync(CancellationToken.None));
        await b.Instance.FinishPromotionAsync(CancellationToken.None);
        await b.Instance.SyncReplicationSlotsAsync(new HashSet<string> { SlotNames.FromMemberName(a.Name) }, CancellationToken.None);
        await ExecAsync(b, "INSERT INTO t VALUES (2)");

        var rewound = await a.Instance.PrepareRejoinAsync(b.AsUpstream, RewindOn, CancellationToken.None);
        Assert.Equal(RejoinOutcome.Rewound, rewound.Outcome);

        Assert.All(ready, wal => Assert.True(File.Exists(Path.Combine(archive, wal)), $"{wal}, marked .ready on the crashed primary, reached the archive"));
        var restored = File.ReadAllLines(restoreLog);
        output.WriteLine($"restore_command fetched: {string.Join(", ", restored)}");
        Assert.Contains(divergenceSegment, restored);

        Assert.True(await a.Instance.StartAsync(asPrimary: false, b.AsUpstream, CancellationToken.None));
        await WaitStreamingAsync(a, b);
        await ExecAsync(b, "INSERT INTO t VALUES (3)");
        await Eventually.TrueAsync(async () => await CountAsync(a, "id IN (2, 3)") == 2, Patience, "rows written on B visible on A");
        Assert.Equal(0L, await CountAsync(a, "id >= 100"));
        Assert.Equal(2, (await a.Instance.ObserveAsync(CancellationToken.None)).Timeline);
    }

    private static Task WaitStreamingAsync(PostgresNode replica, PostgresNode upstream) =>
        Eventually.TrueAsync(async () =>
        {
            var o = await upstream.Instance.ObserveAsync(CancellationToken.None);
            return o.Replication.Any(r => r.ApplicationName == replica.Name && r.State == "streaming");
        }, Patience, $"{replica.Name} streaming from {upstream.Name}");

    private static List<string> ReadySegments(string statusDir) =>
        [.. RewindCommand.ReadySegments(Directory.EnumerateFiles(statusDir).Select(Path.GetFileName).OfType<string>())];

    private static string Script(string dir, string name, string body)
    {
        var path = Path.Combine(dir, name);
        File.WriteAllText(path, "#!/bin/sh\n" + body + "\n");
        File.SetUnixFileMode(path, (UnixFileMode)0b111_101_101);
        return path;
    }

    private static Task ExecAsync(PostgresNode node, string sql) => node.Instance.Sql.ExecuteAsync(sql, Budget, CancellationToken.None);

    private static Task<long> CountAsync(PostgresNode node, string where) =>
        node.Instance.Sql.ScalarAsync<long>("SELECT count(*) FROM t WHERE " + where, Budget, CancellationToken.None);
}
