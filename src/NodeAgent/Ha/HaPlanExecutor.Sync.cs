using Microsoft.Extensions.Logging;
using NodeAgent.Cluster;
using NodeAgent.Configuration;
using NodeAgent.Dcs;
using NodeAgent.Postgres;
using static NodeAgent.Ha.HaStep;

namespace NodeAgent.Ha;

/// <summary>Synchronous mode: the <c>sync</c> key and synchronous_standby_names, in the order the decision gave them.</summary>
public sealed partial class HaPlanExecutor
{
    private async Task<bool> WriteSyncStateAsync(WriteSyncState write, Observation o, CancellationToken ct)
    {
        var written = await Dcs(o, t => dcs.SetSyncStateAsync(o.Me, write.Standbys, write.Quorum, write.ModRevision, t), ct).ConfigureAwait(false);
        if (written)
        {
            var standbys = write.Standbys.Count == 0 ? "none" : string.Join(",", write.Standbys);
            if (write.Quorum is { } quorum)
            {
                LogQuorumKey(logger, o.Me, quorum, standbys);
            }
            else
            {
                LogSyncKey(logger, standbys);
            }
        }

        return written;
    }

    private async Task DeleteSyncStateAsync(DeleteSyncState delete, Observation o, CancellationToken ct)
    {
        if (await Dcs(o, t => dcs.DeleteSyncStateAsync(delete.ModRevision, t), ct).ConfigureAwait(false))
        {
            LogSyncDisabled(logger);
        }
    }

    /// <summary>
    /// Like Patroni's slot handling, a slot that cannot be made (max_replication_slots reached, a timeout) is logged and the
    /// plan goes on: the synchronous standbys and the member key after it must not wait on a slot.
    /// </summary>
    private async Task SyncSlotsAsync(SyncSlots slots, CancellationToken ct)
    {
        try
        {
            await postgres.SyncReplicationSlotsAsync(slots.Slots, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or TimeoutException or InvalidOperationException)
        {
            LogSlotsFailed(logger, e.Message);
        }
    }

    /// <summary>True when the value changed: the loop then looks again soon to verify the standbys it just named.</summary>
    private async Task<bool> SetSynchronousStandbyNamesAsync(SetSynchronousStandbyNames set, CancellationToken ct)
    {
        var changed = await postgres.SetSynchronousStandbyNamesAsync(set.Value, set.Reload, ct).ConfigureAwait(false);
        if (changed && set.Value is { } value)
        {
            LogAssigningSync(logger, value);
        }

        return changed;
    }

    private const int SyncReleaseWaitCap = 30;

    // Above zero while a synchronous standby asks the leader to let it go (a restart or shutdown is waiting for that).
    private int _releasingSync;

    /// <summary>The member key says nosync while this node asks to stop being a synchronous standby.</summary>
    internal MemberData WithSyncRelease(MemberData data) =>
        Volatile.Read(ref _releasingSync) > 0
            ? data with { Tags = new Dictionary<string, object?>(data.Tags ?? new Dictionary<string, object?>(), StringComparer.Ordinal) { ["nosync"] = true } }
            : data;

    /// <summary>
    /// ha.py:while_not_sync_standby: before a synchronous standby goes away (restart, shutdown) its member key says nosync
    /// and it waits up to 2 × loop_wait for the leader to name another standby, so commits do not hang on it. Only a hint:
    /// when etcd cannot be reached, or the leader does not answer in time, the action runs anyway.
    /// </summary>
    internal async Task<T> WhileNotSyncStandbyAsync<T>(AgentConfig config, DynamicConfig dynamic, PostgresObservation pg, Func<Task<T>> action, CancellationToken ct)
    {
        if (!dynamic.SynchronousMode || IsSyncStandby(config.Name) is not true || (config.Tags.TryGetValue("nosync", out var tag) && tag is true or "true"))
        {
            return await action().ConfigureAwait(false);
        }

        Interlocked.Increment(ref _releasingSync);
        try
        {
            // Capped: an agent shutting down has a budget of its own, and the stop must still fit in it.
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
            deadline.CancelAfter(TimeSpan.FromSeconds(Math.Min(SyncReleaseWaitCap, 2 * Math.Max(1, dynamic.LoopWait))));
            try
            {
                await dcs.TouchMemberAsync(WithSyncRelease(MemberDataFactory.Build(config, pg, null, dynamic.Pause)), deadline.Token).ConfigureAwait(false);
                while (IsSyncStandby(config.Name) is true)
                {
                    LogWaitingForSyncRelease(logger);
                    await dcs.WaitForChangeAsync(TimeSpan.FromSeconds(1), deadline.Token).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is DcsUnavailableException or OperationCanceledException)
            {
                // Only a hint: the restart or the stop goes ahead whatever stopped the wait.
                LogSyncReleaseSkipped(logger, e.Message);
            }

            return await action().ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _releasingSync);
        }
    }

    // ha.py:is_sync_standby: the leader named in the sync key still holds the lock and names us.
    private bool? IsSyncStandby(string me) =>
        dcs.Current is { } view ? view.Leader is { } leader && view.Sync.Leader == leader.Name && view.Sync.IsStandby(me) : null;

    [LoggerMessage(EventId = 1119, Level = LogLevel.Warning, Message = "could not sync replication slots: {Error}")]
    private static partial void LogSlotsFailed(ILogger logger, string error);

    [LoggerMessage(EventId = 1117, Level = LogLevel.Information, Message = "Waiting for primary to release us from synchronous standby")]
    private static partial void LogWaitingForSyncRelease(ILogger logger);

    [LoggerMessage(EventId = 1118, Level = LogLevel.Warning, Message = "going ahead without being released from synchronous standby: {Reason}")]
    private static partial void LogSyncReleaseSkipped(ILogger logger, string reason);

    [LoggerMessage(EventId = 1114, Level = LogLevel.Information, Message = "Synchronous standby status assigned to {Standbys}")]
    private static partial void LogSyncKey(ILogger logger, string standbys);

    [LoggerMessage(EventId = 1120, Level = LogLevel.Information, Message = "Setting leader to {Leader}, quorum to {Quorum} of ({Standbys})")]
    private static partial void LogQuorumKey(ILogger logger, string leader, int quorum, string standbys);

    [LoggerMessage(EventId = 1115, Level = LogLevel.Information, Message = "Disabled synchronous replication")]
    private static partial void LogSyncDisabled(ILogger logger);

    [LoggerMessage(EventId = 1116, Level = LogLevel.Information, Message = "Assigning synchronous standby status to {Standbys}")]
    private static partial void LogAssigningSync(ILogger logger, string standbys);
}
