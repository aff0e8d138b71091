using NodeAgent.Postgres;
using NodeAgent.Postgres.Callbacks;
using static NodeAgent.Ha.HaStep;

namespace NodeAgent.Ha;

/// <summary>The long actions the REST API asks for: restart and reinitialize (ha.py:restart, _do_reinitialize).</summary>
public sealed partial class HaPlanExecutor
{
    /// <summary>
    /// postgresql.restart: fast stop with a checkpoint, start in the same role. The lock stays where it is: the cycles
    /// running meanwhile renew it and kick the fence. Health checks stop saying "writable" before postgres stops.
    /// </summary>
    private async Task RestartAsync(Restart restart, Observation o, IStatusNotes status, CancellationToken ct)
    {
        if (restart.RequestId is { } id && !Requests.Claim(id))
        {
            return;
        }

        var reply = new ManualReply(503, "restart failed");
        try
        {
            status.Note(StatusNote.Restarting);
            LogRestarting(logger, restart.RequestId is null ? "scheduled" : "requested through the REST API");
            var timeout = TimeSpan.FromSeconds(restart.StartTimeoutSeconds);
            var outcome = await WhileNotSyncStandbyAsync(o.Config, o.Dynamic, o.Postgres, () => postgres.RestartAsync(timeout, ct), ct).ConfigureAwait(false);
            LogRestarted(logger, outcome);
            FireIf(outcome == RestartOutcome.Restarted, CallbackAction.OnRestart, o.Postgres.IsInRecovery == false ? CallbackRole.Master : CallbackRole.Replica);
            reply = outcome switch
            {
                RestartOutcome.Restarted => new ManualReply(200, "restarted successfully"),
                RestartOutcome.StillStarting => new ManualReply(503, "postgres is still starting"),
                _ => reply,
            };
        }
        finally
        {
            if (restart.RequestId is { } requestId)
            {
                Requests.Reply(requestId, reply);
            }
        }
    }

    /// <summary>
    /// ha.py:_do_reinitialize: the caller hears "reinitialize started" at once; then an immediate stop, the data
    /// directory emptied, and the same pg_basebackup + start as a new replica (<see cref="CloneAndStartAsync"/>).
    /// A failed clone leaves the data dir empty: the next cycles clone from the leader again.
    /// </summary>
    private async Task ReinitializeAsync(HaStep.Reinitialize reinit, IStatusNotes status, CancellationToken ct)
    {
        status.Note(StatusNote.Reinitializing);
        if (!Requests.Reply(reinit.RequestId, new ManualReply(200, "reinitialize started")))
        {
            return;
        }

        LogReinitializing(logger, reinit.Source.MemberName);
        await postgres.StopAsync(StopMode.Immediate, checkpoint: false, ct).ConfigureAwait(false);
        await postgres.RemoveDataDirectoryAsync(ct).ConfigureAwait(false);
        await CloneAndStartAsync(reinit.Source, reinit.FollowAfter ?? reinit.Source, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// The one create-replica path (ha.py:clone): create_replica_methods from the source, then start as a replica of the
    /// node to follow; without a source (no leader) it starts read-only, following nobody until a leader appears.
    /// </summary>
    private async Task CloneAndStartAsync(UpstreamTarget? source, UpstreamTarget? follow, CancellationToken ct)
    {
        await postgres.CloneFromAsync(source, ct).ConfigureAwait(false);
        FireIf(await postgres.StartAsync(asPrimary: false, follow, ct).ConfigureAwait(false), CallbackAction.OnStart, CallbackRole.Replica);
        LogBootstrapped(logger, source is null ? "(without leader)" : "from '" + source.MemberName + "'");
    }
}
