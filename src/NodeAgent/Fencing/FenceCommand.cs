namespace NodeAgent.Fencing;

/// <summary>
/// The line protocol between the agent and its fence process (stdin, one command per line):
/// <c>arm &lt;deadline-ms&gt;</c>, <c>kick</c>, <c>disarm</c>. EOF while armed fences at once: the agent is gone
/// and its lease will expire without it.
/// </summary>
internal static class FenceCommand
{
    public const string Arm = "arm";
    public const string Kick = "kick";
    public const string Disarm = "disarm";

    public static string ArmWith(TimeSpan deadline) => $"{Arm} {(long)deadline.TotalMilliseconds}";
}
