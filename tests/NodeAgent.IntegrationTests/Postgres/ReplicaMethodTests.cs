using NodeAgent.Configuration;
using NodeAgent.Processes;
using Xunit.Abstractions;

namespace NodeAgent.IntegrationTests.Postgres;

/// <summary>create_replica_methods on real PostgreSQL 15: a failing method falls through to an operator's script, which gets Patroni's arguments.</summary>
public sealed class ReplicaMethodTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(5);

    // Records its arguments and environment, then clones with pg_basebackup from --connstring into --datadir; the
    // password can only come from the pgpass file the agent names in PGPASSFILE.
    private const string CloneScript = """
        #!/bin/bash
        out="$(dirname "$0")/out"
        printf '%s\n' "$@" > "$out/args"
        echo "$PGPASSFILE" > "$out/pgpassfile"
        cat "$PGPASSFILE" > "$out/pgpass" 2>/dev/null
        id -un > "$out/user"
        for a in "$@"; do
          case "$a" in
            --datadir=*) datadir="${a#--datadir=}" ;;
            --connstring=*) connstring="${a#--connstring=}" ;;
          esac
        done
        [ -z "$(ls -A "$datadir")" ] || { echo "data dir not emptied" >&2; exit 3; }
        exec /usr/lib/postgresql/15/bin/pg_basebackup -D "$datadir" -X stream -d "$connstring"
        """;

    private const string FailingScript = """
        #!/bin/bash
        touch "$(dirname "$0")/out/failing-ran"
        touch "${1#--dir=}/leftover"
        exit 1
        """;

    [Fact]
    public async Task A_failing_method_falls_through_to_a_custom_script_that_creates_the_replica()
    {
        var tools = Directory.CreateTempSubdirectory("na-replica-method-").FullName;
        try
        {
            var postgres = Posix.FindUser("postgres")!;
            File.SetUnixFileMode(tools, (UnixFileMode)0b111_101_101);
            var outDir = Path.Combine(tools, "out");
            Directory.CreateDirectory(outDir);
            Posix.Chown(outDir, postgres);
            var clone = WriteScript(tools, "clone.sh", CloneScript);
            var failing = WriteScript(tools, "failing.sh", FailingScript);

            await using var primary = new PostgresNode(output, "pg-a", "127.0.43.1");
            await using var replica = new PostgresNode(output, "pg-b", "127.0.43.2", c => c with
            {
                Postgresql = c.Postgresql with
                {
                    CreateReplicaMethods = ["failing", "custom", "basebackup"],
                    ReplicaMethods = new Dictionary<string, ReplicaMethodConfig>
                    {
                        // no_params: the script gets only the section's own keys: --dir=<data dir>.
                        ["failing"] = new(failing, KeepData: false, NoParams: true, NoLeader: false, [new("no_params", "True"), new("dir", c.Postgresql.DataDir)]),
                        ["custom"] = new(clone + " --label 'two words'", KeepData: false, NoParams: false, NoLeader: false, [new("keep_data", "False"), new("label", "x")]),
                    },
                },
            });
            await primary.InitAndStartPrimaryAsync();
            await primary.Instance.Sql.ExecuteAsync("CREATE TABLE t (id int); INSERT INTO t VALUES (1), (2)", Budget, CancellationToken.None);

            await replica.Instance.CloneFromAsync(primary.AsUpstream, CancellationToken.None);

            Assert.True(File.Exists(Path.Combine(outDir, "failing-ran")), "the first method ran");
            Assert.Equal(
                ["--label", "two words", "--keep_data=False", "--label=x", "--scope=itest", "--role=replica", "--datadir=" + replica.DataDir,
                 $"--connstring=dbname=postgres user=replicator host={primary.Address} port={primary.Port}"],
                await File.ReadAllLinesAsync(Path.Combine(outDir, "args")));
            Assert.Equal("postgres", (await File.ReadAllTextAsync(Path.Combine(outDir, "user"))).Trim());
            var pgpassFile = (await File.ReadAllTextAsync(Path.Combine(outDir, "pgpassfile"))).Trim();
            Assert.NotEmpty(pgpassFile);
            Assert.False(File.Exists(pgpassFile), "the pgpass file is removed after the run");
            Assert.StartsWith($"{primary.Address}:{primary.Port}:*:replicator:", await File.ReadAllTextAsync(Path.Combine(outDir, "pgpass")), StringComparison.Ordinal);
            Assert.False(File.Exists(Path.Combine(replica.DataDir, "leftover")), "the failed method's files were cleared");

            Assert.True(await replica.Instance.StartAsync(asPrimary: false, primary.AsUpstream, CancellationToken.None));
            await Eventually.TrueAsync(async () => await replica.Instance.Sql.ScalarAsync<long>(
                "SELECT count(*) FROM t", Budget, CancellationToken.None) == 2, Patience, "the replica made by the script answers with the leader's rows");
            var o = await replica.Instance.ObserveAsync(CancellationToken.None);
            Assert.True(o.IsInRecovery);
        }
        finally
        {
            Directory.Delete(tools, recursive: true);
        }
    }

    // A restore as pgBackRest leaves it: recovery settings in postgresql.auto.conf, here a target that would end recovery
    // (and promote) as soon as the replica is consistent, next to an ALTER SYSTEM setting that must stay.
    private const string RestoreLikeScript = """
        #!/bin/bash
        for a in "$@"; do
          case "$a" in
            --datadir=*) datadir="${a#--datadir=}" ;;
            --connstring=*) connstring="${a#--connstring=}" ;;
          esac
        done
        /usr/lib/postgresql/15/bin/pg_basebackup -D "$datadir" -X stream -d "$connstring" || exit 1
        printf "%s\n" "archive_timeout = '123'" "restore_command = 'false'" "recovery_target = 'immediate'" \
          "recovery_target_action = 'promote'" >> "$datadir/postgresql.auto.conf"
        """;

    [Fact]
    public async Task Recovery_settings_a_method_leaves_in_postgresql_auto_conf_are_removed_so_the_replica_keeps_following()
    {
        var tools = Directory.CreateTempSubdirectory("na-replica-method-").FullName;
        try
        {
            File.SetUnixFileMode(tools, (UnixFileMode)0b111_101_101);
            var restore = WriteScript(tools, "restore.sh", RestoreLikeScript);
            await using var primary = new PostgresNode(output, "pg-d", "127.0.45.1");
            await using var replica = new PostgresNode(output, "pg-e", "127.0.45.2", c => c with
            {
                Postgresql = c.Postgresql with
                {
                    CreateReplicaMethods = ["restore"],
                    ReplicaMethods = new Dictionary<string, ReplicaMethodConfig>
                    {
                        ["restore"] = new(restore, KeepData: false, NoParams: false, NoLeader: false, []),
                    },
                },
            });
            await primary.InitAndStartPrimaryAsync();
            // The replica streams through its own slot (use_slots), which the leader's agent would create.
            await primary.Instance.Sql.ExecuteAsync(
                "CREATE TABLE t (id int); INSERT INTO t VALUES (1); SELECT pg_create_physical_replication_slot('pg_e')", Budget, CancellationToken.None);

            await replica.Instance.CloneFromAsync(primary.AsUpstream, CancellationToken.None);
            Assert.True(await replica.Instance.StartAsync(asPrimary: false, primary.AsUpstream, CancellationToken.None));

            var autoConf = await File.ReadAllTextAsync(Path.Combine(replica.DataDir, "postgresql.auto.conf"));
            Assert.DoesNotContain("recovery_target", autoConf, StringComparison.Ordinal);
            Assert.DoesNotContain("restore_command", autoConf, StringComparison.Ordinal);
            Assert.Contains("archive_timeout = '123'", autoConf, StringComparison.Ordinal);
            // A row written after the clone arrives: recovery went past the point the leftover target would have ended it.
            await primary.Instance.Sql.ExecuteAsync("INSERT INTO t VALUES (2)", Budget, CancellationToken.None);
            await Eventually.TrueAsync(async () => await replica.Instance.Sql.ScalarAsync<long>(
                "SELECT count(*) FROM t", Budget, CancellationToken.None) == 2, Patience, "the replica replays the row written after its clone");
            Assert.True((await replica.Instance.ObserveAsync(CancellationToken.None)).IsInRecovery);
        }
        finally
        {
            Directory.Delete(tools, recursive: true);
        }
    }

    [Fact]
    public async Task Without_a_leader_only_no_leader_methods_run_and_none_is_a_clear_failure()
    {
        await using var node = new PostgresNode(output, "pg-c", "127.0.43.3");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => node.Instance.CloneFromAsync(null, CancellationToken.None));

        Assert.Contains("no_leader", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(node.DataDir) && Directory.EnumerateFileSystemEntries(node.DataDir).Any());
    }

    private static string WriteScript(string dir, string name, string content)
    {
        var path = Path.Combine(dir, name);
        File.WriteAllText(path, content.ReplaceLineEndings("\n") + "\n");
        File.SetUnixFileMode(path, (UnixFileMode)0b111_101_101);
        return path;
    }
}
