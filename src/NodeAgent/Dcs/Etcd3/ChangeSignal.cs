namespace NodeAgent.Dcs.Etcd3;

/// <summary>
/// A resettable event like Python's threading.Event as Patroni uses it: a change that arrives while
/// nobody waits is remembered, so the next wait returns at once.
/// </summary>
internal sealed class ChangeSignal(TimeProvider time)
{
    private readonly Lock _gate = new();
    private TaskCompletionSource _tcs = NewSource();
    private bool _pending;

    public void Set()
    {
        TaskCompletionSource fired;
        lock (_gate)
        {
            _pending = true;
            fired = _tcs;
            _tcs = NewSource();
        }

        fired.TrySetResult();
    }

    /// <summary>Returns when a change is pending or arrives, or the timeout passes; clears the pending flag.</summary>
    public async Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        Task wait;
        lock (_gate)
        {
            if (_pending)
            {
                _pending = false;
                return true;
            }

            wait = _tcs.Task;
        }

        if (timeout > TimeSpan.Zero)
        {
            try
            {
                await wait.WaitAsync(timeout, time, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
            }
        }

        lock (_gate)
        {
            var fired = _pending;
            _pending = false;
            return fired;
        }
    }

    private static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
