using System.Text;
using NodeAgent.Postgres;
using NodeAgent.Processes;

namespace NodeAgent.Tests.Postgres;

public sealed class DurableFileTests : IDisposable
{
    private const UnixFileMode Mode0600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private readonly string _dir = Directory.CreateTempSubdirectory("na-durable-").FullName;

    private string Target => Path.Combine(_dir, "postgresql.conf");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Write_replaces_the_file_by_rename_and_leaves_no_temp_file()
    {
        File.WriteAllText(Target, "old");
        // A reader that opened the old file keeps seeing it whole: the new content is a new inode, not an overwrite.
        using var reader = new FileStream(Target, FileMode.Open, FileAccess.Read);

        DurableFile.WriteText(Target, "new content", Mode0600, owner: null);

        Assert.Equal("new content", File.ReadAllText(Target));
        Assert.Equal("old", new StreamReader(reader).ReadToEnd());
        Assert.Equal([Path.GetFileName(Target)], Directory.GetFiles(_dir).Select(Path.GetFileName));
    }

    [Fact]
    public void Write_sets_the_mode_exactly_whatever_the_old_file_had()
    {
        File.WriteAllText(Target, "old");
        File.SetUnixFileMode(Target, (UnixFileMode)0b110_110_110);

        DurableFile.Write(Target, Encoding.UTF8.GetBytes("x"), Mode0600, owner: null);

        Assert.Equal(Mode0600, File.GetUnixFileMode(Target));
    }

    [Fact]
    public void Write_replaces_a_stale_temp_file_left_by_a_crash()
    {
        File.WriteAllText(Target + ".tmp", "half written");
        File.SetUnixFileMode(Target + ".tmp", (UnixFileMode)0b111_111_111);

        DurableFile.WriteText(Target, "new", Mode0600, owner: null);

        Assert.Equal("new", File.ReadAllText(Target));
        Assert.Equal(Mode0600, File.GetUnixFileMode(Target));
        Assert.False(File.Exists(Target + ".tmp"));
    }

    [Fact]
    public void Write_gives_the_file_to_the_owner_when_run_as_root()
    {
        // chown to another account needs root and the postgres account: the suite runs as root (README, scripts/test.sh).
        Assert.True(Posix.IsRoot, "this test must run as root");
        var postgres = Posix.FindUser("postgres");
        Assert.NotNull(postgres);

        DurableFile.WriteText(Target, "x", Mode0600, postgres);

        Assert.Equal(postgres.Uid, Posix.OwnerOf(Target));
    }

    [Fact]
    public void Failure_before_the_rename_leaves_the_old_file_intact()
    {
        File.WriteAllText(Target, "old");
        // Something that is not a file occupies the temp name: the write cannot even start.
        Directory.CreateDirectory(Target + ".tmp");

        Assert.ThrowsAny<Exception>(() => DurableFile.WriteText(Target, "new", Mode0600, owner: null));

        Assert.Equal("old", File.ReadAllText(Target));
    }

    [Fact]
    public void Failed_rename_removes_the_temp_file_and_leaves_the_target_alone()
    {
        // rename(2) of a file over a non-empty directory fails after the temp file was written.
        Directory.CreateDirectory(Target);
        File.WriteAllText(Path.Combine(Target, "inside"), "kept");

        Assert.ThrowsAny<IOException>(() => DurableFile.WriteText(Target, "new", Mode0600, owner: null));

        Assert.False(File.Exists(Target + ".tmp"));
        Assert.Equal("kept", File.ReadAllText(Path.Combine(Target, "inside")));
    }

    [Fact]
    public void CreateEmpty_creates_once_with_the_mode_and_keeps_an_existing_file()
    {
        var signal = Path.Combine(_dir, "standby.signal");

        Assert.True(DurableFile.CreateEmpty(signal, Mode0600, owner: null));
        Assert.Equal(0, new FileInfo(signal).Length);
        Assert.Equal(Mode0600, File.GetUnixFileMode(signal));

        File.WriteAllText(signal, "operator's");
        Assert.False(DurableFile.CreateEmpty(signal, Mode0600, owner: null));
        Assert.Equal("operator's", File.ReadAllText(signal));
    }

    [Fact]
    public void Delete_and_rename_do_what_they_say()
    {
        File.WriteAllText(Target, "initdb");
        var renamed = Path.Combine(_dir, "postgresql.base.conf");

        DurableFile.Rename(Target, renamed);
        Assert.False(File.Exists(Target));
        Assert.Equal("initdb", File.ReadAllText(renamed));

        Assert.True(DurableFile.Delete(renamed));
        Assert.False(File.Exists(renamed));
        Assert.False(DurableFile.Delete(renamed));
    }

    [Fact]
    public void Directory_fsync_fails_loudly_on_a_missing_directory()
    {
        var error = Assert.Throws<IOException>(() => Posix.FsyncDirectory(Path.Combine(_dir, "missing")));
        Assert.Contains("missing", error.Message, StringComparison.Ordinal);
    }
}
