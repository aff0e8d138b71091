using System.Globalization;
using Mono.Unix.Native;

namespace NodeAgent.Fencing;

/// <summary>Finds the live postmaster of a data dir from postmaster.pid, checked against /proc.</summary>
internal static class PostmasterPid
{
    public static int? Read(string dataDir)
    {
        try
        {
            var first = File.ReadLines(Path.Combine(dataDir, "postmaster.pid")).FirstOrDefault();
            if (!int.TryParse(first, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid <= 0)
            {
                return null;
            }

            // A stale pid file may name a recycled PID: only a postgres process is ours to stop.
            var cmdline = File.ReadAllText($"/proc/{pid}/cmdline");
            return cmdline.Contains("postgres", StringComparison.Ordinal) ? pid : null;
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

    public static bool SendImmediateShutdown(int pid) => Syscall.kill(pid, Signum.SIGQUIT) == 0;
}
