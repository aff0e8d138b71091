using Microsoft.Extensions.Logging;
using static NodeAgent.Ha.HaStep;

namespace NodeAgent.Ha;

/// <summary>Synchronous mode: the <c>sync</c> key and synchronous_standby_names, in the order the decision gave them.</summary>
public sealed partial class HaPlanExecutor
{
    private async Task<bool> WriteSyncStateAsync(WriteSyncState write, Observation o, CancellationToken ct)
    {
        var written = await Dcs(o, t => dcs.SetSyncStateAsync(o.Me, write.Standbys, write.ModRevision, t), ct).ConfigureAwait(false);
        if (written)
        {
            LogSyncKey(logger, write.Standbys.Count == 0 ? "none" : string.Join(",", write.Standbys));
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

    /// <summary>True when the value changed: the loop then looks again soon to verify the standbys it just named.</summary>
    private async Task<bool> SetSynchronousStandbyNamesAsync(SetSynchronousStandbyNames set, CancellationToken ct)
    {
        var changed = await postgres.SetSynchronousStandbyNamesAsync(set.Value, ct).ConfigureAwait(false);
        if (changed && set.Value is { } value)
        {
            LogAssigningSync(logger, value);
        }

        return changed;
    }

    [LoggerMessage(EventId = 1114, Level = LogLevel.Information, Message = "Synchronous standby status assigned to {Standbys}")]
    private static partial void LogSyncKey(ILogger logger, string standbys);

    [LoggerMessage(EventId = 1115, Level = LogLevel.Information, Message = "Disabled synchronous replication")]
    private static partial void LogSyncDisabled(ILogger logger);

    [LoggerMessage(EventId = 1116, Level = LogLevel.Information, Message = "Assigning synchronous standby status to {Standbys}")]
    private static partial void LogAssigningSync(ILogger logger, string standbys);
}
