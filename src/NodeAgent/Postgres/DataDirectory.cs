using NodeAgent.Processes;

namespace NodeAgent.Postgres;

/// <summary>
/// Checks the data directory before anything touches it. An existing directory with the wrong owner or mode is
/// Invalid and left exactly as found; a missing one is created 0700 owned by the postgres user.
/// </summary>
internal sealed class DataDirectory
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    // postgres accepts 0700, or 0750 (group read) since PG 11.
    private const UnixFileMode GroupRead = OwnerOnly | UnixFileMode.GroupRead | UnixFileMode.GroupExecute;
    private readonly string _path;
    private readonly OsUser? _owner;
    private readonly string _pgVersion;

    public DataDirectory(string path, OsUser? owner)
    {
        _path = path;
        _owner = owner;
        _pgVersion = Path.Combine(path, "PG_VERSION");
    }

    /// <summary>State plus, when Invalid, the reason in operator words.</summary>
    public (DataDirState State, string? Reason) Check()
    {
        if (!Directory.Exists(_path))
        {
            return File.Exists(_path) ? (DataDirState.Invalid, $"{_path} exists and is not a directory") : (DataDirState.Empty, null);
        }

        var mode = File.GetUnixFileMode(_path);
        if (mode != OwnerOnly && mode != GroupRead)
        {
            return (DataDirState.Invalid, $"{_path} has mode {ModeString(mode)}; postgres needs 0700 or 0750");
        }

        if (_owner is not null && Posix.OwnerOf(_path) is { } uid && uid != _owner.Uid)
        {
            return (DataDirState.Invalid, $"{_path} is owned by uid {uid}, not by {_owner.Name} (uid {_owner.Uid})");
        }

        // Looked at every cycle: PG_VERSION first, so an initialised directory is never listed.
        if (File.Exists(_pgVersion))
        {
            return (DataDirState.Initialized, null);
        }

        return Directory.EnumerateFileSystemEntries(_path).Any()
            ? (DataDirState.Invalid, $"{_path} is not empty but has no PG_VERSION")
            : (DataDirState.Empty, null);
    }

    /// <summary>Creates the directory (0700, owned by postgres) when missing; an existing one must be empty and valid.</summary>
    public void EnsureEmpty()
    {
        var (state, reason) = Check();
        if (state == DataDirState.Invalid)
        {
            throw new InvalidOperationException(reason);
        }

        if (state == DataDirState.Initialized)
        {
            throw new InvalidOperationException($"{_path} already holds a database cluster");
        }

        if (!Directory.Exists(_path))
        {
            Directory.CreateDirectory(_path, OwnerOnly);
            File.SetUnixFileMode(_path, OwnerOnly);
            if (_owner is not null && Posix.IsRoot)
            {
                Posix.Chown(_path, _owner);
            }
        }
    }

    private static string ModeString(UnixFileMode mode) => "0" + Convert.ToString((int)mode & 0x1FF, 8);
}
