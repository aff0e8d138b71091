namespace NodeAgent.IntegrationTests.Cluster;

/// <summary>
/// Asserting that something never happens needs a window of observation: the check runs every 200 ms
/// for the whole window and the first violation fails at once (this is an observation, not a sleep to
/// synchronise on).
/// </summary>
internal static class ObservedWindow
{
    public static async Task NeverAsync(TimeSpan window, Func<Task<string?>> violation)
    {
        var deadline = DateTime.UtcNow + window;
        while (DateTime.UtcNow < deadline)
        {
            if (await violation() is { } why)
            {
                Assert.Fail(why);
            }
            await Task.Delay(200);
        }
    }
}
