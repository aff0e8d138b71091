using NodeAgent.Cluster;
using static NodeAgent.Ha.HaStep;

namespace NodeAgent.Ha;

/// <summary>
/// REST commands and the scheduled restart as inputs to the decision (api.py:do_POST_restart, do_POST_reinitialize;
/// ha.py:restart, reinitialize, evaluate_scheduled_restart). A restart is added only to a cycle that leaves postgres
/// alone, so it never runs beside a promotion, demotion or re-pointing; it then runs as a long action while later
/// cycles keep renewing the lock.
/// </summary>
public static partial class HaDecider
{
    private const int Unavailable = 503;

    /// <summary>The decided cycle plus what the waiting REST command (if any) asks for.</summary>
    private static HaDecision WithManualRequest(Observation o, HaDecision decided) => o.Request switch
    {
        RestartRequest restart => WithRestart(o, decided, restart),
        ReinitializeRequest reinit => Reinitialize(o, decided, reinit),
        _ => decided,
    };

    /// <summary>ha.py:restart: refused while another action runs or when its conditions do not hold.</summary>
    private static HaDecision WithRestart(Observation o, HaDecision decided, RestartRequest request)
    {
        if (o.LongActionInProgress is { } busy)
        {
            return Append(decided, new Reply(request.Id, Unavailable, $"{busy.Name()} already in progress"));
        }

        if (request.Filters.WhyNot(o.Postgres) is not null)
        {
            return Append(decided, new Reply(request.Id, Unavailable, "restart conditions are not satisfied"));
        }

        // Anything else this cycle does to postgres goes first; the command waits for the next cycle.
        return LeavesPostgresAlone(decided)
            ? Append(decided, new Restart(request.Id, StartTimeout(o, request.TimeoutSeconds)))
            : decided;
    }

    /// <summary>ha.py:reinitialize: replicas only, with a leader to clone from; force cancels what runs now.</summary>
    private static HaDecision Reinitialize(Observation o, HaDecision decided, ReinitializeRequest request)
    {
        if (o.Cluster is not { IsLocked: true })
        {
            return Append(decided, new Reply(request.Id, Unavailable, "Cluster has no leader, can not reinitialize"));
        }

        if (HoldsLock(o))
        {
            return Append(decided, new Reply(request.Id, Unavailable, "I am the leader, can not reinitialize"));
        }

        if (o.LongActionInProgress is { } busy && !request.Force)
        {
            return Append(decided, new Reply(request.Id, Unavailable, $"{busy.Name()} already in progress"));
        }

        if (CloneSource(o) is not { } source)
        {
            return Append(decided, new Reply(request.Id, Unavailable, "no member to clone from, can not reinitialize"));
        }

        // Whatever this cycle meant to do with the old data (start it, follow, wait) no longer matters.
        var follow = Upstream(o);
        List<HaStep> steps = o.LongActionInProgress is null ? [] : [new CancelLongAction()];
        return new($"reinitialize started: cloning again from {source.Role} '{source.Target.MemberName}'",
            [.. steps, new HaStep.Reinitialize(request.Id, source.Target, follow == source.Target ? null : follow), new TouchMember()]);
    }

    /// <summary>
    /// ha.py:evaluate_scheduled_restart and should_run_scheduled_action, for a healthy cluster. The loop wakes at the
    /// scheduled time (it never sleeps inside a decision); a schedule missed by more than 1.5 loop_wait is stale.
    /// </summary>
    private static HaDecision WithScheduledRestart(Observation o, HaDecision decided)
    {
        if (o.ScheduledRestart is not { } scheduled)
        {
            return decided;
        }

        // Unknown start time when scheduled (postgres was restarting): never "overtaken", as in Patroni when its
        // start-time query failed; the schedule is meant for the postmaster that restart produces.
        if (scheduled.PostmasterStartTime is not null && o.Postgres.PostmasterStartTime is { } now && now > scheduled.RequestedAt)
        {
            return Append(decided, new ClearScheduledRestart(scheduled,
                $"Cancelling scheduled restart: postgres restart has already happened at {PyDateTime.Str(now)}"));
        }

        if (o.Paused || scheduled.At > o.Now)
        {
            return decided;
        }

        if (scheduled.At < o.Now.AddSeconds(-(int)(o.Dynamic.LoopWait * 1.5)))
        {
            return Append(decided, new ClearScheduledRestart(scheduled, $"Found a stale restart value, cleaning up: {scheduled.At:O}"));
        }

        if (scheduled.Filters.WhyNot(o.Postgres) is { } why)
        {
            return Append(decided, new ClearScheduledRestart(scheduled, $"Scheduled restart: restart conditions are not satisfied ({why})"));
        }

        return LeavesPostgresAlone(decided)
            ? new("restart initiated", [.. decided.Steps, new ClearScheduledRestart(scheduled, null), new TouchMember(), new Restart(null, StartTimeout(o, scheduled.TimeoutSeconds))])
            : decided;
    }

    /// <summary>
    /// Patroni waits up to the request's timeout, else primary_start_timeout (0: pg_ctl_timeout), for the restarted
    /// postgres to accept connections.
    /// </summary>
    private static int StartTimeout(Observation o, int? requested) =>
        requested ?? (o.Dynamic.PrimaryStartTimeout > 0 ? o.Dynamic.PrimaryStartTimeout : Math.Max(1, o.Config.Postgresql.PgCtlTimeout));

    /// <summary>Only lock upkeep, bookkeeping and DCS writes: nothing starts, stops, promotes or re-points postgres.</summary>
    private static bool LeavesPostgresAlone(HaDecision d) =>
        d.Steps.All(s => s is UpdateLock or KeepaliveWatchdog or DisableWatchdog or WriteStatus or WriteHistory or SyncSlots
            or TouchMember or WriteInitialize or WriteConfig or Reply or ClearScheduledRestart);

    private static HaDecision Append(HaDecision d, HaStep step) => d with { Steps = [.. d.Steps, step] };
}
