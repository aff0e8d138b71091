using NodeAgent.Configuration;
using NodeAgent.Processes;
using Xunit.Abstractions;

namespace NodeAgent.IntegrationTests.Postgres;

/// <summary>
/// A custom bootstrap.method on real PostgreSQL 15 (bootstrap.py:_custom_bootstrap): the operator's command makes the data
/// dir (here a base backup of another server), the first start recovers with the method's recovery_conf and promotes,
/// then post_bootstrap runs with the superuser's connection string.
/// </summary>
public sealed class CustomBootstrapTests(ITestOutputHelper output)
{
    // Generous: the machine is shared with other builds.
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(15);
    private const string DataDirFromArguments = """for a in "$@"; do case "$a" in --datadir=*) d="${a#--datadir=}" ;; esac; done""";

    [Fact]
    public async Task A_custom_method_restores_recovers_and_promotes_then_post_bootstrap_runs_with_the_superuser_dsn()
    {
        using var tools = new Fixtures.TempDirectory("na-custom-bootstrap");
        File.SetUnixFileMode(tools.Path, (UnixFileMode)0b111_111_111);
        await using var source = new PostgresNode(output, "pg-src", "127.0.44.1");
        await source.InitAndStartPrimaryAsync();
        await source.Instance.Sql.ExecuteAsync("CREATE TABLE t (id int); INSERT INTO t VALUES (1), (2), (3)", Budget, CancellationToken.None);
        var restore = Script(tools.Path, "restore.sh", $"""
            printf '%s\n' "$@" > {tools.Path}/restore-args
            {DataDirFromArguments}
            PGPASSWORD='{PostgresNode.Password.Replace("'", "'\\''", StringComparison.Ordinal)}' exec {PostgresNode.BinDir}/pg_basebackup -D "$d" -X stream -d "host={source.Address} port={source.Port} user=replicator dbname=postgres"
            """);
        var post = Script(tools.Path, "post.sh", $"""
            printf '%s\n' "$@" > {tools.Path}/post-args
            echo "$PGOPTIONS" > {tools.Path}/post-pgoptions
            exec /usr/bin/psql "$1" -v ON_ERROR_STOP=1 -c "CREATE TABLE made_by_post_bootstrap (id int)"
            """);
        await using var node = new PostgresNode(output, "pg-new", "127.0.44.2", c => c with
        {
            Bootstrap = c.Bootstrap with
            {
                Method = "clone",
                CustomMethods = new Dictionary<string, CustomBootstrapMethod>
                {
                    ["clone"] = new(restore, KeepExistingRecoveryConf: false, NoParams: false,
                        new Dictionary<string, string> { ["restore_command"] = "/bin/false", ["recovery_target_action"] = "promote" }),
                },
                PostBootstrap = post,
            },
        });

        await node.Instance.InitializeAsync(CancellationToken.None);
        Assert.True(await node.Instance.StartBootstrappedAsync(CancellationToken.None));
        await node.Instance.CreateRolesAsync(CancellationToken.None);
        await node.Instance.RunPostBootstrapAsync(CancellationToken.None);

        Assert.Equal(["--scope=itest", "--datadir=" + node.DataDir], await File.ReadAllLinesAsync(Path.Combine(tools.Path, "restore-args")));
        Assert.Equal([$"dbname=postgres user=postgres host={node.Address} port={node.Port}"], await File.ReadAllLinesAsync(Path.Combine(tools.Path, "post-args")));
        Assert.Equal("-c synchronous_commit=local", (await File.ReadAllTextAsync(Path.Combine(tools.Path, "post-pgoptions"))).Trim());
        var o = await node.Instance.ObserveAsync(CancellationToken.None);
        Assert.False(o.IsInRecovery);
        Assert.Equal(2, o.Timeline);
        Assert.Equal(3L, await node.Instance.Sql.ScalarAsync<long>("SELECT count(*) FROM t", Budget, CancellationToken.None));
        Assert.Equal(1L, await node.Instance.Sql.ScalarAsync<long>("SELECT count(*) FROM pg_class WHERE relname = 'made_by_post_bootstrap'", Budget, CancellationToken.None));
        Assert.False(File.Exists(Path.Combine(node.DataDir, "recovery.signal")));
        Assert.DoesNotContain("restore_command", await File.ReadAllTextAsync(Path.Combine(node.DataDir, "postgresql.conf")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failing_method_and_a_failing_post_bootstrap_are_errors_naming_them()
    {
        await using var node = new PostgresNode(output, "pg-fail", "127.0.44.3", c => c with
        {
            Bootstrap = c.Bootstrap with
            {
                Method = "broken",
                CustomMethods = new Dictionary<string, CustomBootstrapMethod> { ["broken"] = new("/bin/false", false, true, null) },
                PostBootstrap = "/bin/false",
            },
        });

        var method = await Assert.ThrowsAsync<InvalidOperationException>(() => node.Instance.InitializeAsync(CancellationToken.None));
        Assert.Contains("bootstrap.broken.command", method.Message, StringComparison.Ordinal);
        var post = await Assert.ThrowsAsync<InvalidOperationException>(() => node.Instance.RunPostBootstrapAsync(CancellationToken.None));
        Assert.Contains("post_bootstrap script /bin/false returned non-zero code 1", post.Message, StringComparison.Ordinal);
    }

    private static string Script(string dir, string name, string body)
    {
        var path = Path.Combine(dir, name);
        File.WriteAllText(path, "#!/bin/bash\n" + body.ReplaceLineEndings("\n") + "\n");
        File.SetUnixFileMode(path, (UnixFileMode)0b111_101_101);
        Posix.Chown(path, Posix.FindUser("postgres")!);
        return path;
    }
}
