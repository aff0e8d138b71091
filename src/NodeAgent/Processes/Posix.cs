using Mono.Unix.Native;

namespace NodeAgent.Processes;

/// <summary>The few POSIX calls the BCL lacks (owner lookup, chown, signals, directory fsync), in one place.</summary>
internal static class Posix
{
    public static bool IsRoot => Syscall.geteuid() == 0;

    /// <summary>Looks up an OS user; null when it does not exist.</summary>
    public static OsUser? FindUser(string name)
    {
        var pw = Syscall.getpwnam(name);
        return pw is null ? null : new OsUser(pw.pw_name, pw.pw_uid, pw.pw_gid, pw.pw_dir);
    }

    /// <summary>The owner uid of a path, or null when it cannot be stat'ed.</summary>
    public static uint? OwnerOf(string path) =>
        Syscall.stat(path, out var st) == 0 ? st.st_uid : null;

    public static void Chown(string path, OsUser user)
    {
        if (Syscall.chown(path, user.Uid, user.Gid) != 0)
        {
            throw new IOException($"chown {path} to {user.Name} failed: {Stdlib.GetLastError()}");
        }
    }

    /// <summary>fsync of a directory, so a new, renamed or removed entry in it survives a crash (the BCL cannot open a directory).</summary>
    public static void FsyncDirectory(string path)
    {
        var fd = Syscall.open(path, OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY);
        if (fd < 0)
        {
            throw new IOException($"open {path} failed: {Stdlib.GetLastError()}");
        }

        try
        {
            if (Syscall.fsync(fd) != 0)
            {
                throw new IOException($"fsync {path} failed: {Stdlib.GetLastError()}");
            }
        }
        finally
        {
            // A read-only descriptor: close has nothing to flush, its result says nothing about durability.
            _ = Syscall.close(fd);
        }
    }

    /// <summary>Sends a signal; false when the process does not exist (ESRCH) or is not ours to signal.</summary>
    public static bool Signal(int pid, PosixSignalKind signal)
    {
        var signum = signal switch
        {
            PosixSignalKind.Terminate => Signum.SIGTERM,
            PosixSignalKind.Interrupt => Signum.SIGINT,
            PosixSignalKind.Quit => Signum.SIGQUIT,
            PosixSignalKind.Hangup => Signum.SIGHUP,
            PosixSignalKind.Kill => Signum.SIGKILL,
            _ => throw new ArgumentOutOfRangeException(nameof(signal)),
        };
        return Syscall.kill(pid, signum) == 0;
    }

    /// <summary>The process exists and is not a zombie (read from /proc, since kill(pid, 0) has no Signum).</summary>
    public static bool IsAlive(int pid)
    {
        if (pid <= 0)
        {
            return false;
        }

        try
        {
            // /proc/<pid>/stat: "pid (comm) S ..."; the state follows the last ')'.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var close = stat.LastIndexOf(')');
            return close > 0 && close + 2 < stat.Length && stat[close + 2] != 'Z' && stat[close + 2] != 'X';
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>The argv of a live process from /proc/&lt;pid&gt;/cmdline; empty when gone.</summary>
    public static IReadOnlyList<string> CommandLine(int pid)
    {
        try
        {
            var raw = File.ReadAllText($"/proc/{pid}/cmdline");
            return raw.Split('\0', StringSplitOptions.RemoveEmptyEntries);
        }
        catch (IOException)
        {
            return [];
        }
        catch (UnauthorizedAccessException)
        {
            return [];
        }
    }
}

internal enum PosixSignalKind
{
    Terminate,
    Interrupt,
    Quit,
    Hangup,
    Kill,
}

/// <summary>An OS account a child process runs as.</summary>
internal sealed record OsUser(string Name, uint Uid, uint Gid, string Home);
