using NodeAgent.Configuration;

namespace NodeAgent.Tests.Configuration;

public sealed class DynamicConfigTimeoutsTests
{
    [Theory]
    // ttl, loop_wait, retry_timeout -> ttl, loop_wait, retry_timeout, warnings
    [InlineData(30, 10, 10, 30, 10, 10, 0)]
    [InlineData(30, 10, 20, 30, 1, 14, 1)]
    [InlineData(30, 15, 10, 30, 10, 10, 1)]
    [InlineData(10, 2, 3, 20, 2, 3, 1)]
    [InlineData(30, 0, 1, 30, 1, 3, 2)]
    [InlineData(20, 10, 10, 20, 1, 9, 1)]
    [InlineData(25, 10, 8, 25, 9, 8, 1)]
    public void Applies_patroni_3_2_minimums_and_the_rule(int ttl, int loopWait, int retry, int eTtl, int eLoop, int eRetry, int warnings)
    {
        var adjusted = DynamicConfigTimeouts.Adjust(new DynamicConfig { Ttl = ttl, LoopWait = loopWait, RetryTimeout = retry });

        Assert.Equal((eTtl, eLoop, eRetry), (adjusted.Config.Ttl, adjusted.Config.LoopWait, adjusted.Config.RetryTimeout));
        Assert.Equal(warnings, adjusted.Warnings.Count);
        Assert.True(adjusted.Config.LoopWait + (2 * adjusted.Config.RetryTimeout) <= adjusted.Config.Ttl);
    }
}
