using static NodeAgent.Ha.HaStep;

namespace NodeAgent.Ha;

/// <summary>The leader lock: the guard steps (acquire, renew, arm the fence) and what their outcome does to the lease.</summary>
public sealed partial class HaPlanExecutor
{
    private async Task<bool> PassesAsync(HaStep step, Observation o, IStatusNotes status, CancellationToken ct)
    {
        switch (step)
        {
            case AcquireLock:
                return await AcquireAsync(o, status, ct).ConfigureAwait(false);
            case UpdateLock:
                return await RenewAsync(o, status, ct).ConfigureAwait(false);
            case RaceInitialize:
                return await Dcs(o, t => dcs.InitializeAsync(createNew: true, "", t), ct).ConfigureAwait(false);
            case WriteSyncState write:
                return await WriteSyncStateAsync(write, o, ct).ConfigureAwait(false);
            case ConfirmFailsafe confirm:
                return await ConfirmFailsafeAsync(confirm, o, ct).ConfigureAwait(false);
            case PrePromote:
                return await PrePromoteAsync(ct).ConfigureAwait(false);
            case ActivateWatchdog:
                // False when the fence could not be armed, or the device in required mode: fail closed, do not promote.
                return lease.FenceDeadline is { } deadline && watchdog.Activate(o.Dynamic.Ttl, o.Dynamic.LoopWait, deadline);
            default:
                throw new InvalidOperationException($"{step.GetType().Name} is not a guard");
        }
    }

    private async Task<bool> RenewAsync(Observation o, IStatusNotes status, CancellationToken ct)
    {
        var asked = time.GetTimestamp();
        var renewed = LockResult(await Dcs(o, t => dcs.UpdateLeaderAsync(t), ct).ConfigureAwait(false), asked, status);
        if (!renewed)
        {
            Counters.LockLost();
        }

        return renewed;
    }

    /// <summary>
    /// The leader key lives only as long as the lease it is put under, and that lease may not have been refreshed for a
    /// while (the last touch failed): refresh it first, so the lock starts with a whole ttl from <c>asked</c> on, which is
    /// what the fence is then armed for. A key put under a stale lease would expire before the fence fires.
    /// </summary>
    private async Task<bool> AcquireAsync(Observation o, IStatusNotes status, CancellationToken ct)
    {
        var asked = time.GetTimestamp();
        await Dcs(o, t => dcs.RefreshLeaseAsync(t), ct).ConfigureAwait(false);
        var acquired = LockResult(await Dcs(o, t => dcs.AttemptToAcquireLeaderAsync(t), ct).ConfigureAwait(false), asked, status);
        if (acquired)
        {
            Counters.LockAcquired();
        }

        return acquired;
    }

    /// <summary>
    /// The lease runs from the moment the renewal was asked for (etcd applies it later, never earlier), with the TTL etcd
    /// granted to the lease the leader key is bound to now.
    /// </summary>
    private bool LockResult(bool ok, long asked, IStatusNotes status)
    {
        if (ok)
        {
            lease.Renewed(asked, dcs.LeaseTtl);
        }
        else
        {
            lease.Lost();
            status.Note(StatusNote.LockLost);
        }

        return ok;
    }

    /// <summary>A primary may still be made: the lock is held and its demotion deadline has not come.</summary>
    private bool LockFresh() => lease.TimeLeft > TimeSpan.Zero;

    private string StaleLockReason() =>
        lease.RenewalAge is { } age
            ? string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"not making postgres writable: the leader lock was renewed {age.TotalSeconds:0.#} s ago, past the {LeaseClock.DemoteAfter(lease.GrantedTtl).TotalSeconds:0.#} s its lease allows")
            : "not making postgres writable: the leader lock is not held";
}
