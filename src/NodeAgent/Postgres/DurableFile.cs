using System.Text;
using NodeAgent.Processes;

namespace NodeAgent.Postgres;

/// <summary>
/// Crash-safe changes to the files the agent owns in the data and config dirs. A write goes to a temp file beside
/// the target (created with its final mode, so a password in it is never readable by others), is fsynced, chowned,
/// renamed over the target, and the directory is fsynced: after a crash the file is either the old one or the new
/// one, never empty or half-written, and the change itself is on disk.
/// </summary>
internal static class DurableFile
{
    /// <summary>What postgres expects of its config and control files.</summary>
    public const UnixFileMode OwnerReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private const string TempSuffix = ".tmp";
    private static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false);

    public static void WriteText(string path, string content, UnixFileMode mode, OsUser? owner)
    {
        ArgumentNullException.ThrowIfNull(content);
        Write(path, Utf8NoBom.GetBytes(content), mode, owner);
    }

    /// <summary>Replaces <paramref name="path"/> atomically; on failure the old file is left as it was and the temp file is removed.</summary>
    public static void Write(string path, ReadOnlySpan<byte> content, UnixFileMode mode, OsUser? owner)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var tmp = path + TempSuffix;
        // A temp file left by a crash: CreateNew below must create a fresh file with our mode, not reuse it.
        File.Delete(tmp);
        try
        {
            using (var stream = new FileStream(tmp, CreateNew(mode)))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }

            SetOwnerAndMode(tmp, mode, owner);
            File.Move(tmp, path, overwrite: true);
        }
        catch
        {
            TryDelete(tmp);
            throw;
        }

        Posix.FsyncDirectory(DirectoryOf(path));
    }

    /// <summary>Creates an empty file (signal files) when missing; true when it was created.</summary>
    public static bool CreateEmpty(string path, UnixFileMode mode, OsUser? owner)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (File.Exists(path))
        {
            return false;
        }

        using (var stream = new FileStream(path, CreateNew(mode)))
        {
            stream.Flush(flushToDisk: true);
        }

        SetOwnerAndMode(path, mode, owner);
        Posix.FsyncDirectory(DirectoryOf(path));
        return true;
    }

    /// <summary>Removes a file if present; the removal is made durable, so a crash cannot bring a signal file back.</summary>
    public static bool Delete(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            return false;
        }

        File.Delete(path);
        Posix.FsyncDirectory(DirectoryOf(path));
        return true;
    }

    /// <summary>Renames within one directory (no overwrite) and makes the rename durable.</summary>
    public static void Rename(string from, string to)
    {
        File.Move(from, to, overwrite: false);
        Posix.FsyncDirectory(DirectoryOf(to));
    }

    private static FileStreamOptions CreateNew(UnixFileMode mode) => new()
    {
        Mode = FileMode.CreateNew,
        Access = FileAccess.Write,
        UnixCreateMode = mode,
    };

    // UnixCreateMode is filtered by the umask; chmod sets exactly what postgres expects.
    private static void SetOwnerAndMode(string path, UnixFileMode mode, OsUser? owner)
    {
        File.SetUnixFileMode(path, mode);
        if (owner is not null && Posix.IsRoot)
        {
            Posix.Chown(path, owner);
        }
    }

    private static string DirectoryOf(string path) =>
        Path.GetDirectoryName(Path.GetFullPath(path)) ?? throw new ArgumentException($"{path} has no directory", nameof(path));

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // The original error is the one worth reporting.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
