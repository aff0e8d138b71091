using NodeAgent.Cluster;
using NodeAgent.Dcs;
using NodeAgent.Postgres;
using static NodeAgent.Ha.HaStep;

namespace NodeAgent.Ha;

/// <summary>DCS writes beyond the lock: the member key, the history key, and the deadline every DCS call runs under.</summary>
public sealed partial class HaPlanExecutor
{
    private async Task WriteHistoryAsync(WriteHistory history, Observation o, CancellationToken ct)
    {
        var rows = TimelineHistoryEnricher.Enrich(
            await postgres.ReadTimelineHistoryAsync(history.Timeline, ct).ConfigureAwait(false),
            o.Cluster?.History ?? [], history.Timeline, o.Me, o.Now);
        var keep = o.Dynamic.MaxTimelinesHistory;
        IReadOnlyList<TimelineHistoryEntry> trimmed = keep > 0 && rows.Count > keep ? [.. rows.Skip(rows.Count - keep)] : rows;
        await Dcs(o, async t => { await dcs.SetHistoryAsync(trimmed, t).ConfigureAwait(false); return true; }, ct).ConfigureAwait(false);
    }

    /// <summary>Writes the member key; returns postgres as looked at again when the plan changed it, else null.</summary>
    private async Task<PostgresObservation?> TouchMemberAsync(Observation o, Func<LongActionKind?> longAction, bool postgresChanged, bool leaseRefreshed, CancellationToken ct)
    {
        var fresh = postgresChanged ? await postgres.ObserveAsync(ct).ConfigureAwait(false) : null;
        var pg = fresh ?? o.Postgres;
        var data = WithSyncRelease(MemberDataFactory.Build(o.Config, pg, longAction(), o.Paused, Requests.Scheduled, watchdog.Status, watchdog.FenceStatus));
        data = data with { Role = StandbyLeaderRole.Shown(o, data.Role, lease.Holds) };
        await Dcs(o, async t =>
        {
            if (!leaseRefreshed)
            {
                await dcs.RefreshLeaseAsync(t).ConfigureAwait(false);
            }

            await dcs.TouchMemberAsync(data, t).ConfigureAwait(false);
            return true;
        }, ct).ConfigureAwait(false);
        return fresh;
    }

    /// <summary>
    /// One DCS call under a retry_timeout deadline, cut short so a lock holder can still demote in time; running out of
    /// time counts as "DCS unavailable".
    /// </summary>
    private async Task<bool> Dcs(Observation o, Func<CancellationToken, Task<bool>> call, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(lease.CallBudget(o.Dynamic.RetryTimeout));
        var started = time.GetTimestamp();
        try
        {
            return await call(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new DcsUnavailableException("DCS call exceeded retry_timeout");
        }
        finally
        {
            Counters.DcsCallDuration.Observe(time.GetElapsedTime(started));
        }
    }
}
