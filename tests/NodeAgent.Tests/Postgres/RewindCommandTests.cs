using NodeAgent.Postgres.Rewind;

namespace NodeAgent.Tests.Postgres;

/// <summary>rewind.py:pg_rewind's command line and _buid_archiver_command.</summary>
public sealed class RewindCommandTests
{
    private const string Dsn = "user=rewind host=10.0.0.1 port=5432 dbname=postgres";

    [Fact]
    public void Without_restore_command_pg_rewind_gets_only_the_data_dir_and_the_source()
    {
        Assert.Equal(["-D", "/data", "--source-server", Dsn], RewindCommand.Arguments(15, null, "/data", "/data", "/data/postgresql.conf", Dsn));
        Assert.Equal(["-D", "/data", "--source-server", Dsn], RewindCommand.Arguments(15, "", "/data", "/data", "/data/postgresql.conf", Dsn));
    }

    [Fact]
    public void With_restore_command_pg_15_restores_target_wal_and_names_a_config_file_outside_the_data_dir()
    {
        Assert.Equal(["--restore-target-wal", "-D", "/data", "--source-server", Dsn],
            RewindCommand.Arguments(15, "cp /a/%f %p", "/data", "/data/", "/data/postgresql.conf", Dsn));
        Assert.Equal(["--restore-target-wal", "--config-file=/etc/pg/postgresql.conf", "-D", "/data", "--source-server", Dsn],
            RewindCommand.Arguments(16, "cp /a/%f %p", "/data", "/etc/pg", "/etc/pg/postgresql.conf", Dsn));
    }

    [Fact]
    public void Pg_13_and_14_restore_only_with_the_config_in_the_data_dir_and_older_never()
    {
        Assert.Equal(["--restore-target-wal", "-D", "/data", "--source-server", Dsn], RewindCommand.Arguments(13, "x", "/data", "/data", "/data/postgresql.conf", Dsn));
        Assert.Equal(["-D", "/data", "--source-server", Dsn], RewindCommand.Arguments(14, "x", "/data", "/etc/pg", "/etc/pg/postgresql.conf", Dsn));
        Assert.Equal(["-D", "/data", "--source-server", Dsn], RewindCommand.Arguments(12, "x", "/data", "/data", "/data/postgresql.conf", Dsn));
    }

    [Theory]
    [InlineData("pgbackrest --stanza=s archive-push %p", "pgbackrest --stanza=s archive-push /data/pg_wal/000000010000000000000003")]
    [InlineData("cp %p /arch/%f && echo %r 100%% %x", "cp /data/pg_wal/000000010000000000000003 /arch/000000010000000000000003 && echo 000000010000000000000001 100% %x")]
    [InlineData("trailing %", "trailing %")]
    public void Archiver_command_replaces_the_placeholders(string template, string expected) =>
        Assert.Equal(expected, RewindCommand.ArchiverCommand(template, "/data/pg_wal", "000000010000000000000003"));

    [Fact]
    public void Ready_segments_are_wal_and_partial_files_oldest_first()
    {
        string[] names =
        [
            "000000010000000000000004.ready", "000000010000000000000003.done", "000000010000000000000002.partial.ready",
            "00000002.history.ready", "000000010000000000000001.ready", "junk.ready", "00000001000000000000000g.ready",
        ];
        Assert.Equal(["000000010000000000000001", "000000010000000000000002.partial", "000000010000000000000004"], RewindCommand.ReadySegments(names));
    }
}
