using System.Globalization;

namespace NodeAgent.IntegrationTests.Fixtures;

/// <summary>One process as /proc/PID/stat shows it: its parent and its state letter ('T' stopped, 'Z' zombie, ...).</summary>
public sealed record ProcessStat(int Pid, int ParentPid, char State)
{
    /// <summary>Exited (a zombie waiting for its parent, or being torn down): it can no longer act.</summary>
    public bool IsDead => State is 'Z' or 'X' or 'x';
}

/// <summary>Reads processes from /proc: proof that a signal took effect, and the descendants of a process.</summary>
public static class ProcFs
{
    /// <summary>The process, or null once it is gone.</summary>
    public static ProcessStat? Stat(int pid)
    {
        try
        {
            return Parse(pid, File.ReadAllText($"/proc/{pid}/stat"));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Gone from /proc, or dead and only waiting to be reaped.</summary>
    public static bool IsGone(int pid) => Stat(pid) is null or { IsDead: true };

    /// <summary>
    /// Parses one /proc/PID/stat line: "pid (comm) state ppid ...". The command name may hold spaces and
    /// parentheses, so the fields after it are found from its last ')'.
    /// </summary>
    public static ProcessStat Parse(int pid, string stat)
    {
        var end = stat.LastIndexOf(')');
        var fields = stat[(end + 2)..].Split(' ');
        if (end < 0 || fields.Length < 2 || fields[0].Length != 1)
        {
            throw new FormatException($"unexpected /proc/{pid}/stat: {stat}");
        }
        return new ProcessStat(pid, int.Parse(fields[1], CultureInfo.InvariantCulture), fields[0][0]);
    }

    /// <summary>Every live process.</summary>
    public static IReadOnlyList<ProcessStat> All()
    {
        var all = new List<ProcessStat>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), NumberStyles.Integer, CultureInfo.InvariantCulture, out var pid) && Stat(pid) is { } stat)
            {
                all.Add(stat);
            }
        }
        return all;
    }

    /// <summary>The command line with NULs as spaces, empty for a zombie or a process that is gone.</summary>
    public static string CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }

    /// <summary><paramref name="roots"/> that are alive and every live descendant of them.</summary>
    public static IReadOnlyList<ProcessStat> TreeOf(IEnumerable<int> roots, IReadOnlyList<ProcessStat> all)
    {
        var children = all.ToLookup(p => p.ParentPid);
        var byPid = all.ToDictionary(p => p.Pid);
        var tree = new Dictionary<int, ProcessStat>();
        var pending = new Stack<int>(roots.Where(byPid.ContainsKey));
        while (pending.TryPop(out var pid))
        {
            if (tree.TryAdd(pid, byPid[pid]))
            {
                foreach (var child in children[pid])
                {
                    pending.Push(child.Pid);
                }
            }
        }
        return tree.Values.OrderBy(p => p.Pid).ToList();
    }
}
