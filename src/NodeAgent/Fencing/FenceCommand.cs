using System.Globalization;
using NodeAgent.Watchdog;

namespace NodeAgent.Fencing;

/// <summary>
/// The line protocol between the agent and its fence process (stdin, one command per line):
/// <c>arm &lt;renewed-ms&gt; &lt;valid-ms&gt;</c>, <c>kick &lt;renewed-ms&gt; &lt;valid-ms&gt;</c>, <c>disarm</c>.
/// <c>renewed-ms</c> is the lock renewal's time on the monotonic clock both processes share (CLOCK_MONOTONIC in ms), so
/// the fence fires at renewed + valid however late it reads the line (frozen, busy, restarted). EOF while armed fences
/// at once: the agent is gone and its lease will expire without it.
/// </summary>
internal static class FenceCommand
{
    public const string Arm = "arm";
    public const string Kick = "kick";
    public const string Disarm = "disarm";

    public static string ArmWith(LeaseDeadline deadline, TimeProvider time) => Format(Arm, deadline, time);

    public static string KickWith(LeaseDeadline deadline, TimeProvider time) => Format(Kick, deadline, time);

    /// <summary>A timestamp of <paramref name="time"/> in milliseconds of its monotonic clock.</summary>
    public static long Milliseconds(long timestamp, TimeProvider time) => (long)(timestamp * (1000.0 / time.TimestampFrequency));

    /// <summary>Parses the deadline of an arm or kick line: the monotonic millisecond at which the fence fires.</summary>
    public static bool TryParseDue(string[] parts, out long dueMs)
    {
        dueMs = 0;
        if (parts.Length != 3
            || !long.TryParse(parts[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var renewed)
            || !long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var valid))
        {
            return false;
        }

        dueMs = renewed + valid;
        return true;
    }

    private static string Format(string verb, LeaseDeadline deadline, TimeProvider time) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{verb} {Milliseconds(deadline.RenewedTimestamp, time)} {Math.Max(0, (long)deadline.ValidFor.TotalMilliseconds)}");
}
