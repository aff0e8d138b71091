namespace NodeAgent.Ha;

/// <summary>
/// The loop's wake-up (REST commands, SIGHUP, a long action that ended, a postmaster that died): one pending wake-up
/// is remembered until a nap consumes it. It is handed over through a due-now timer on the loop's clock, so the
/// cycle it starts never runs on the caller's thread, and a simulated clock delivers it like any other event.
/// </summary>
internal sealed class WakeSignal(TimeProvider time) : IDisposable
{
    private readonly Lock _gate = new();
    private TaskCompletionSource<bool> _source = new();
    private bool _pending;
    private ITimer? _timer;

    /// <summary>Completes when a wake-up is delivered; stays completed until <see cref="Consume"/>.</summary>
    public Task<bool> Task
    {
        get
        {
            lock (_gate)
            {
                return _source.Task;
            }
        }
    }

    public void Set()
    {
        ITimer? previous;
        lock (_gate)
        {
            if (_pending)
            {
                return;
            }

            _pending = true;
            previous = _timer;
            var source = _source;
            _timer = time.CreateTimer(static s => ((TaskCompletionSource<bool>)s!).TrySetResult(true), source, TimeSpan.Zero, Timeout.InfiniteTimeSpan);
        }

        previous?.Dispose();
    }

    /// <summary>After a nap: a delivered wake-up is used up; one still on its way stays pending for the next nap.</summary>
    public void Consume()
    {
        lock (_gate)
        {
            if (_source.Task.IsCompleted)
            {
                _source = new();
                _pending = false;
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _timer?.Dispose();
            _timer = null;
        }
    }
}
