namespace NodeAgent.Bench;

/// <summary>Wall-clock milliseconds since the epoch: the unit every log line and result uses, so bash
/// ($EPOCHREALTIME) and this tool agree on one time line.</summary>
internal static class Clock
{
    public static long NowMs() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
}
