using NodeAgent.IntegrationTests.Fixtures;

namespace NodeAgent.IntegrationTests.Backup;

/// <summary>
/// A pgBackRest repository for one test: repository, spool, lock and log dirs in a temp dir owned by postgres, one
/// config for the archive_command of one node and one naming every node (backup, check, verify). Commands run as postgres.
/// </summary>
internal sealed class PgBackRest : IDisposable
{
    public const string Binary = "/usr/bin/pgbackrest";
    public const string Stanza = "demo";
    private readonly TempDirectory _root;

    private PgBackRest(TempDirectory root)
    {
        _root = root;
    }

    public string Root => _root.Path;

    public string RepoPath => _root.Combine("repo");

    public static async Task<PgBackRest> CreateAsync()
    {
        RequiredBinary.Require(Binary, "pgbackrest");
        var root = new TempDirectory("pgbackrest");
        foreach (var dir in new[] { "repo", "spool", "lock", "log" })
        {
            Directory.CreateDirectory(root.Combine(dir));
        }

        File.SetUnixFileMode(root.Path, (UnixFileMode)0b111_101_101);
        await PostgresUser.ChownToPostgresAsync(root.Path);
        return new PgBackRest(root);
    }

    /// <summary>A config naming the given data dirs as pg1, pg2, … (socket dir, port 5432, the backup user).</summary>
    public string WriteConfig(string name, IReadOnlyList<(string DataDir, string SocketDir)> nodes)
    {
        var path = _root.Combine(name + ".conf");
        var pg = string.Concat(nodes.Select((n, i) =>
            $"pg{i + 1}-path={n.DataDir}\npg{i + 1}-socket-path={n.SocketDir}\npg{i + 1}-port=5432\npg{i + 1}-user=backup\npg{i + 1}-database=postgres\n"));
        File.WriteAllText(path, $"""
            [global]
            repo1-path={RepoPath}
            spool-path={_root.Combine("spool")}
            lock-path={_root.Combine("lock")}
            log-path={_root.Combine("log")}
            log-level-console=info
            log-level-file=detail
            start-fast=y
            backup-standby=y
            archive-timeout=60
            archive-mode-check=n
            compress-type=gz

            [{Stanza}]
            {pg}
            """.ReplaceLineEndings("\n"));
        File.SetUnixFileMode(path, (UnixFileMode)0b110_100_100);
        return path;
    }

    public static Task<string> RunAsync(string config, params string[] arguments) =>
        PostgresUser.RunAsPostgresAsync(Binary, ["--config=" + config, "--stanza=" + Stanza, .. arguments]);

    public void Dispose() => _root.Dispose();
}
