namespace NodeAgent.Postgres.Callbacks;

/// <summary>The port to the operator's scripts: <c>postgresql.callbacks</c> and <c>postgresql.pre_promote</c>.</summary>
public interface ICallbacks
{
    /// <summary>Starts the configured callback and returns at once (postgresql/__init__.py:call_nowait); unset: nothing.</summary>
    void Fire(CallbackAction action, CallbackRole role);

    /// <summary>
    /// Runs pre_promote to its end or <paramref name="timeout"/> (postgresql/__init__.py:_pre_promote): true when it is
    /// not configured or exited 0. Anything else (non-zero exit, not runnable, timed out) cancels the promotion.
    /// </summary>
    Task<bool> PrePromoteAsync(TimeSpan timeout, CancellationToken cancellationToken);
}

/// <summary>No scripts configured (tests, and compositions without callbacks).</summary>
public sealed class NoCallbacks : ICallbacks
{
    public static readonly NoCallbacks Instance = new();

    public void Fire(CallbackAction action, CallbackRole role)
    {
    }

    public Task<bool> PrePromoteAsync(TimeSpan timeout, CancellationToken cancellationToken) => Task.FromResult(true);
}
