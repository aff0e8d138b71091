namespace NodeAgent.Ha;

/// <summary>
/// The one owner of the long action (bootstrap, clone, start, restart, reinitialize): its task, its cancellation, its
/// kind while it runs, and whether a cycle saw it running before it ended (Patroni's AsyncExecutor in async_executor.py).
/// Owned by the loop; the executor only reads <see cref="Kind"/> for the member key's state word.
/// </summary>
internal sealed class LongActionRunner : IDisposable
{
    /// <summary>Child processes are killed on cancellation and waited for up to 10 s; a cycle does not wait much longer.</summary>
    private static readonly TimeSpan CancelWait = TimeSpan.FromSeconds(15);

    private Task<HaOutcome>? _task;
    private CancellationTokenSource? _cancel;
    private volatile object? _kindBox;
    private bool _sawRunning;

    /// <summary>The kind of the action while its plan runs; cleared as the plan ends, before its task completes.</summary>
    public LongActionKind? Kind => _kindBox as LongActionKind?;

    public bool IsRunning => _task is { IsCompleted: false };

    /// <summary>What the observation reports: the kind of an action that still runs, else null.</summary>
    public LongActionKind? InProgress => IsRunning ? Kind : null;

    /// <summary>Starts <paramref name="plan"/> as the long action; it runs on until it ends or is cancelled.</summary>
    public Task<HaOutcome> Start(LongActionKind kind, Func<CancellationToken, Task<HaOutcome>> plan, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        _cancel?.Dispose();
        _cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _kindBox = kind;
        _task = RunAsync(plan, _cancel.Token);
        return _task;
    }

    /// <summary>Reinitialize with force (ha.py:reinitialize -> AsyncExecutor.cancel). True when nothing runs any more.</summary>
    public async Task<bool> CancelAsync(TimeProvider time)
    {
        if (_task is not { IsCompleted: false } running)
        {
            return true;
        }

        await (_cancel?.CancelAsync() ?? Task.CompletedTask).ConfigureAwait(false);
        await ((Task)running).WaitAsync(CancelWait, time).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        return running.IsCompleted;
    }

    /// <summary>The cycle just published saw (or did not see) an action in progress.</summary>
    public void Saw(LongActionKind? inProgress) => _sawRunning = inProgress is not null;

    /// <summary>
    /// True once per long action that the last cycle saw running and that has ended since. Reading clears the flag,
    /// so a cycle that then fails (and never sets it again) cannot make the loop spin without a nap. A start the
    /// rejoin check put off changed nothing worth a cycle now.
    /// </summary>
    public bool EndedUnseen()
    {
        var saw = _sawRunning;
        _sawRunning = false;
        return saw && _task is { IsCompleted: true } ended && !ended.IsDeferredStart();
    }

    public void Dispose() => _cancel?.Dispose();

    private async Task<HaOutcome> RunAsync(Func<CancellationToken, Task<HaOutcome>> plan, CancellationToken ct)
    {
        try
        {
            return await plan(ct).ConfigureAwait(false);
        }
        finally
        {
            _kindBox = null;
        }
    }
}

internal static class LongActionTaskExtensions
{
    /// <summary>The action was a start the rejoin check put off (the leader is unreachable for the divergence check).</summary>
    public static bool IsDeferredStart(this Task<HaOutcome> task) => task is { IsCompletedSuccessfully: true, Result.StartDeferred: true };
}
