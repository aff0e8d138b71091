namespace NodeAgent.IntegrationTests.Fixtures;

/// <summary>Waits for a condition by polling with a deadline: tests never sleep to synchronise.</summary>
public static class Poll
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Polls <paramref name="condition"/> until it returns true. An exception from the condition counts
    /// as "not yet" (the component may still be starting) and is attached to the timeout for diagnosis.
    /// </summary>
    public static async Task UntilAsync(
        Func<Task<bool>> condition, TimeSpan timeout, string what, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var deadline = DateTime.UtcNow + timeout;
        Exception? last = null;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                if (await condition())
                {
                    return;
                }
                last = null;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                last = ex;
            }
            if (DateTime.UtcNow >= deadline)
            {
                var reason = last is null ? string.Empty : $" (last error: {last.GetType().Name}: {last.Message})";
                throw new TimeoutException($"Timed out after {timeout.TotalSeconds:0.#} s waiting for {what}{reason}", last);
            }
            await Task.Delay(Interval, cancellationToken);
        }
    }

    /// <summary>Synchronous-condition overload of <see cref="UntilAsync(Func{Task{bool}}, TimeSpan, string, CancellationToken)"/>.</summary>
    public static Task UntilAsync(
        Func<bool> condition, TimeSpan timeout, string what, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(condition);
        return UntilAsync(() => Task.FromResult(condition()), timeout, what, cancellationToken);
    }
}
