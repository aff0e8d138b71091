namespace NodeAgent.IntegrationTests.Postgres;

/// <summary>Polls a condition until it holds or a deadline passes (no fixed sleeps for synchronisation).</summary>
internal static class Eventually
{
    public static async Task TrueAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        Exception? last = null;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (Exception ex)
            {
                last = ex;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"{what} did not happen within {timeout.TotalSeconds} s", last);
    }
}
