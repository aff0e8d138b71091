using System.Globalization;

namespace NodeAgent.Postgres;

/// <summary>
/// postmaster.pid: line 1 PID, 2 data dir, 3 start time (epoch), 4 port, 5 socket dir, 6 listen address,
/// 7 shmem key, 8 status ("starting", "stopping", "ready", "standby") on PG 10+.
/// </summary>
internal sealed record PostmasterPidFile(int Pid, string DataDir, long StartEpoch, int? Port, string? Status)
{
    public const string Name = "postmaster.pid";

    /// <summary>Accepting connections: "ready" (primary or hot standby that opened) or "standby".</summary>
    public bool IsReady => Status is "ready" or "standby";

    public static PostmasterPidFile? TryRead(string dataDir)
    {
        try
        {
            return Parse(File.ReadAllLines(Path.Combine(dataDir, Name)));
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    public static PostmasterPidFile? Parse(IReadOnlyList<string> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        if (lines.Count < 2 || !int.TryParse(lines[0].Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var pid))
        {
            return null;
        }

        long start = lines.Count > 2 && long.TryParse(lines[2].Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var s) ? s : 0;
        int? port = lines.Count > 3 && int.TryParse(lines[3].Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var p) ? p : null;
        var status = lines.Count > 7 ? lines[7].Trim() : null;
        return new PostmasterPidFile(pid, lines[1].Trim(), start, port, string.IsNullOrEmpty(status) ? null : status);
    }
}
