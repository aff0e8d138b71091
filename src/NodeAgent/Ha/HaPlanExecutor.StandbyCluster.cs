using Microsoft.Extensions.Logging;
using NodeAgent.Dcs;
using NodeAgent.Postgres;
using NodeAgent.Postgres.Callbacks;
using static NodeAgent.Ha.HaStep;

namespace NodeAgent.Ha;

/// <summary>The bootstrap of a standby cluster's first member (ha.py:bootstrap_standby_leader).</summary>
public sealed partial class HaPlanExecutor
{
    /// <summary>
    /// Clone from the remote primary, start as its replica, then claim the cluster as post_bootstrap does (initialize =
    /// sysid, config, lock). No initdb, no roles: they come with the clone. Undone on failure, so the race starts over.
    /// </summary>
    private async Task BootstrapStandbyLeaderAsync(BootstrapStandbyLeader step, Observation o, IStatusNotes status, CancellationToken ct)
    {
        try
        {
            LogStandbyBootstrap(logger, step.Remote.MemberName);
            await postgres.CloneFromAsync(step.Remote, ct).ConfigureAwait(false);
            if (!await postgres.StartAsync(asPrimary: false, step.Remote, ct).ConfigureAwait(false))
            {
                throw new InvalidOperationException("postgres did not start after the clone from the remote primary");
            }

            var pg = await postgres.ObserveAsync(ct).ConfigureAwait(false);
            var sysid = pg.SystemIdentifier ?? throw new InvalidOperationException("no system identifier after the clone");
            await Dcs(o, t => dcs.InitializeAsync(createNew: false, sysid, t), ct).ConfigureAwait(false);
            await Dcs(o, t => dcs.SetConfigAsync(o.Config.Bootstrap.DcsJson, null, t), ct).ConfigureAwait(false);
            if (!await AcquireAsync(o, status, ct).ConfigureAwait(false))
            {
                throw new InvalidOperationException("another node took the leader lock during bootstrap");
            }

            LogStandbyLeaderBootstrapped(logger, step.Remote.MemberName, sysid);
            _callbacks.Fire(CallbackAction.OnStart, CallbackRole.Replica);
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or DcsUnavailableException)
        {
            LogBootstrapFailed(logger, e.Message);
            await postgres.StopAsync(StopMode.Immediate, checkpoint: false, ct).ConfigureAwait(false);
            await postgres.RemoveDataDirectoryAsync(ct).ConfigureAwait(false);
            await Dcs(o, async t => { await dcs.CancelInitializationAsync(t).ConfigureAwait(false); return true; }, ct).ConfigureAwait(false);
        }
    }

    [LoggerMessage(EventId = 1190, Level = LogLevel.Information, Message = "bootstrapping a standby leader: clone from remote member {Remote}")]
    private static partial void LogStandbyBootstrap(ILogger logger, string remote);

    [LoggerMessage(EventId = 1191, Level = LogLevel.Information, Message = "bootstrapped a standby leader following {Remote} (system identifier {SystemIdentifier})")]
    private static partial void LogStandbyLeaderBootstrapped(ILogger logger, string remote, string systemIdentifier);
}
