using NodeAgent.Postgres.Callbacks;

namespace NodeAgent.Ha;

/// <summary>The operator's scripts around the steps: callbacks fired where the role or the postmaster changed, and pre_promote.</summary>
public sealed partial class HaPlanExecutor
{
    /// <summary>Fires a callback only when the step did what it was for (postgres started, promoted, restarted).</summary>
    private void FireIf(bool done, CallbackAction action, CallbackRole role)
    {
        if (done)
        {
            _callbacks.Fire(action, role);
        }
    }

    /// <summary>
    /// pre_promote is waited for inside the plan, so it may take only the time the lock has left: a promotion past the
    /// demotion deadline must not happen. A failure is remembered for the leader race backoff.
    /// </summary>
    private async Task<bool> PrePromoteAsync(CancellationToken ct)
    {
        var budget = lease.TimeLeft is { } left && left > TimeSpan.Zero ? left : TimeSpan.Zero;
        if (await _callbacks.PrePromoteAsync(budget, ct).ConfigureAwait(false))
        {
            return true;
        }

        PrePromoteFailedAt = time.GetTimestamp();
        return false;
    }
}
