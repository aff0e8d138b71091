namespace NodeAgent.Configuration;

/// <summary>The dynamic config as it will be used, plus one operator sentence per value that was changed.</summary>
public sealed record TimeoutAdjustment(DynamicConfig Config, IReadOnlyList<string> Warnings);

/// <summary>
/// Patroni 3.2's <c>_validate_and_adjust_timeouts</c>: minimums loop_wait 1,
/// retry_timeout 3, ttl 10 (3.2 says 20); then loop_wait (and only if that is not enough, retry_timeout) is lowered so that
/// <c>loop_wait + 2*retry_timeout &lt;= ttl</c>. Applied to the config key at run time; never fatal.
/// </summary>
public static class DynamicConfigTimeouts
{
    public const int MinLoopWait = 1;
    public const int MinRetryTimeout = 3;
    // Patroni 3.2 says 20; the fast profile operators run here (ttl 10, loop_wait 2, retry_timeout 3) is safe
    // because the lease is renewed every cycle and a stalled leader fences itself, so 10 is the floor.
    public const int MinTtl = 10;

    /// <summary>One day: the largest ttl, loop_wait or retry_timeout taken (they become deadlines and naps).</summary>
    public const int MaxTimer = 86_400;

    public static TimeoutAdjustment Adjust(DynamicConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var warnings = new List<string>();
        var loopWait = AtMost("loop_wait", AtLeast("loop_wait", config.LoopWait, MinLoopWait, warnings), warnings);
        var retryTimeout = AtMost("retry_timeout", AtLeast("retry_timeout", config.RetryTimeout, MinRetryTimeout, warnings), warnings);
        var ttl = AtMost("ttl", AtLeast("ttl", config.Ttl, MinTtl, warnings), warnings);

        var newLoopWait = loopWait;
        var newRetryTimeout = retryTimeout;
        if (MinLoopWait + (2L * retryTimeout) > ttl)
        {
            newLoopWait = MinLoopWait;
            newRetryTimeout = (ttl - MinLoopWait) / 2;
            warnings.Add($"Violated the rule \"loop_wait + 2*retry_timeout <= ttl\", where ttl={ttl}. "
                + $"Adjusting loop_wait from {loopWait} to {newLoopWait} and retry_timeout from {retryTimeout} to {newRetryTimeout}");
        }
        else if (loopWait + (2L * retryTimeout) > ttl)
        {
            newLoopWait = ttl - (2 * retryTimeout);
            warnings.Add($"Violated the rule \"loop_wait + 2*retry_timeout <= ttl\", where ttl={ttl} and retry_timeout={retryTimeout}. "
                + $"Adjusting loop_wait from {loopWait} to {newLoopWait}");
        }

        var adjusted = config with { Ttl = ttl, LoopWait = newLoopWait, RetryTimeout = newRetryTimeout };
        return new TimeoutAdjustment(adjusted, warnings);
    }

    private static int AtMost(string name, int value, List<string> warnings)
    {
        if (value <= MaxTimer)
        {
            return value;
        }

        warnings.Add($"{name}={value} can't be larger than {MaxTimer}, adjusting...");
        return MaxTimer;
    }

    private static int AtLeast(string name, int value, int minimum, List<string> warnings)
    {
        if (value >= minimum)
        {
            return value;
        }

        warnings.Add($"{name}={value} can't be smaller than {minimum}, adjusting...");
        return minimum;
    }
}
