using NodeAgent.Configuration;

namespace NodeAgent.Postgres.Rewind;

/// <summary>The rewind switches in force: the local <c>postgresql</c> section over the dynamic one (<c>postgresql/config.py</c>).</summary>
internal sealed record RewindSettings(bool UsePgRewind, bool RemoveOnRewindFailure, bool RemoveOnDivergedTimelines)
{
    public static RewindSettings Resolve(PostgresqlConfig local, DynamicConfig dynamic)
    {
        ArgumentNullException.ThrowIfNull(local);
        ArgumentNullException.ThrowIfNull(dynamic);
        var cluster = dynamic.Postgresql;
        // The local remove_* flags are plain booleans (false when absent), so either side can switch them on.
        return new RewindSettings(
            local.UsePgRewind ?? cluster.UsePgRewind,
            local.RemoveDataDirectoryOnRewindFailure || cluster.RemoveDataDirectoryOnRewindFailure == true,
            local.RemoveDataDirectoryOnDivergedTimelines || cluster.RemoveDataDirectoryOnDivergedTimelines == true);
    }

    /// <summary>rewind.py:execute after a failure: either flag lets the data go.</summary>
    public bool RemoveAfterFailedRewind => RemoveOnRewindFailure || RemoveOnDivergedTimelines;
}
