namespace NodeAgent.Postgres.Rewind;

/// <summary>
/// The pure part of rewind.py:_check_timeline_and_lsn for a former primary: did our WAL go somewhere the leader's
/// history did not? Errs towards "needed": a needless pg_rewind is cheap, a diverged replica is wrong data.
/// </summary>
internal static class Divergence
{
    /// <summary>
    /// The pg_controldata "Database cluster state" of a data dir that was last a primary, or null for a replica's
    /// ("shut down in recovery", "in archive recovery") or an unknown state.
    /// </summary>
    public static PrimaryShutdown? FormerPrimary(string? clusterState) => clusterState switch
    {
        "shut down" => PrimaryShutdown.Clean,
        "in production" or "shutting down" or "in crash recovery" => PrimaryShutdown.Crashed,
        _ => null,
    };

    public static DivergenceVerdict Check(LocalWal local, LeaderTimeline leader)
    {
        ArgumentNullException.ThrowIfNull(local);
        ArgumentNullException.ThrowIfNull(leader);
        if (local.HighestLocalTimeline > local.Timeline)
        {
            // Promoted and stopped before the first checkpoint on the new timeline: pg_control lags behind.
            return Needed($"pg_wal holds the history of timeline {local.HighestLocalTimeline} but the last checkpoint is on timeline {local.Timeline}");
        }

        if (local.EndOfWal is not { } end)
        {
            return Needed($"the end of the local WAL on timeline {local.Timeline} could not be determined");
        }

        if (local.Timeline > leader.Timeline)
        {
            return Needed($"local timeline {local.Timeline} is newer than the leader's timeline {leader.Timeline}");
        }

        if (local.Timeline == leader.Timeline)
        {
            // Same timeline: we can only be a prefix of the leader's WAL; more WAL than the leader has means a fork.
            return end > leader.WalPosition
                ? Needed($"local WAL ends at {end}, past the leader's position {leader.WalPosition} on the same timeline {local.Timeline}")
                : NotNeeded($"on the leader's timeline {local.Timeline} and not ahead of it");
        }

        foreach (var entry in leader.History)
        {
            if (entry.Timeline > local.Timeline)
            {
                break;
            }

            if (entry.Timeline != local.Timeline)
            {
                continue;
            }

            var switchpoint = new Cluster.Lsn(entry.SwitchLsn);
            return local.Shutdown switch
            {
                // A clean primary's last record is its shutdown checkpoint: the leader must have switched right after it.
                PrimaryShutdown.Clean when end != switchpoint =>
                    Needed($"shutdown checkpoint ends at {end} but the leader left timeline {local.Timeline} at {switchpoint}"),
                PrimaryShutdown.Crashed when end > switchpoint =>
                    Needed($"local WAL ends at {end}, past the leader's switch from timeline {local.Timeline} at {switchpoint}"),
                _ => NotNeeded($"local WAL ends at {end}, the leader left timeline {local.Timeline} at {switchpoint}"),
            };
        }

        return Needed($"local timeline {local.Timeline} is not in the history of the leader's timeline {leader.Timeline}");
    }

    private static DivergenceVerdict Needed(string why) => new(true, why);

    private static DivergenceVerdict NotNeeded(string why) => new(false, why);
}
