namespace NodeAgent.Configuration;

/// <summary>The dynamic config as it will be used, plus one operator sentence per value that was changed.</summary>
public sealed record TimeoutAdjustment(DynamicConfig Config, IReadOnlyList<string> Warnings);

/// <summary>
/// Patroni 3.2's <c>_validate_and_adjust_timeouts</c> (patroni-reference §0.5): minimums loop_wait 1,
/// retry_timeout 3, ttl 20; then loop_wait (and only if that is not enough, retry_timeout) is lowered so that
/// <c>loop_wait + 2*retry_timeout &lt;= ttl</c>. Applied to the config key at run time; never fatal.
/// </summary>
public static class DynamicConfigTimeouts
{
    public const int MinLoopWait = 1;
    public const int MinRetryTimeout = 3;
    public const int MinTtl = 20;

    public static TimeoutAdjustment Adjust(DynamicConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var warnings = new List<string>();
        var loopWait = AtLeast("loop_wait", config.LoopWait, MinLoopWait, warnings);
        var retryTimeout = AtLeast("retry_timeout", config.RetryTimeout, MinRetryTimeout, warnings);
        var ttl = AtLeast("ttl", config.Ttl, MinTtl, warnings);

        var newLoopWait = loopWait;
        var newRetryTimeout = retryTimeout;
        if (MinLoopWait + (2 * retryTimeout) > ttl)
        {
            newLoopWait = MinLoopWait;
            newRetryTimeout = (ttl - MinLoopWait) / 2;
            warnings.Add($"Violated the rule \"loop_wait + 2*retry_timeout <= ttl\", where ttl={ttl}. "
                + $"Adjusting loop_wait from {loopWait} to {newLoopWait} and retry_timeout from {retryTimeout} to {newRetryTimeout}");
        }
        else if (loopWait + (2 * retryTimeout) > ttl)
        {
            newLoopWait = ttl - (2 * retryTimeout);
            warnings.Add($"Violated the rule \"loop_wait + 2*retry_timeout <= ttl\", where ttl={ttl} and retry_timeout={retryTimeout}. "
                + $"Adjusting loop_wait from {loopWait} to {newLoopWait}");
        }

        var adjusted = config with { Ttl = ttl, LoopWait = newLoopWait, RetryTimeout = newRetryTimeout };
        return new TimeoutAdjustment(adjusted, warnings);
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
