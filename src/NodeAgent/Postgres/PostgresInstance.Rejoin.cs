using Npgsql;
using NodeAgent.Cluster;
using NodeAgent.Configuration;
using NodeAgent.Postgres.Rewind;

namespace NodeAgent.Postgres;

/// <summary>
/// A former primary rejoining the leader (<c>ha.py:_rewind</c>, <c>postgresql/rewind.py</c>): check divergence against the leader's timeline
/// history, then rewind, remove the data for a re-clone, or refuse to start. Never starts a diverged replica.
/// </summary>
internal sealed partial class PostgresInstance
{
    private static readonly TimeSpan LeaderBudget = TimeSpan.FromSeconds(10);

    /// <summary>Why the last rejoin refused to start postgres; cleared by a successful start or a new verdict.</summary>
    private volatile string? _startBlocked;

    public async Task<RejoinResult> PrepareRejoinAsync(UpstreamTarget upstream, DynamicConfig dynamic, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(upstream);
        ArgumentNullException.ThrowIfNull(dynamic);
        var result = await DecideRejoinAsync(upstream, dynamic, cancellationToken);
        if (result.Outcome is RejoinOutcome.Rewound or RejoinOutcome.Removed)
        {
            _wasPrimary = false;
        }

        if (result.Outcome == RejoinOutcome.Refused)
        {
            _startBlocked = result.Message;
            LogRejoinRefused(upstream.MemberName, result.Message);
        }
        else
        {
            if (result.Outcome != RejoinOutcome.Deferred)
            {
                _startBlocked = null;
            }

            LogRejoin(upstream.MemberName, result.Outcome, result.Message);
        }

        return result;
    }

    private async Task<RejoinResult> DecideRejoinAsync(UpstreamTarget upstream, DynamicConfig dynamic, CancellationToken ct)
    {
        if (upstream.MemberName == _config.Name)
        {
            return RejoinResult.NotNeeded("the leader is this node");
        }

        if (_postmaster.TryAdopt())
        {
            return RejoinResult.NotNeeded("postgres is running; its data directory is not checked");
        }

        if (_dataDir.Check().State != DataDirState.Initialized)
        {
            return RejoinResult.NotNeeded("no data directory to check");
        }

        var control = await ReadControlDataAsync(ct);
        if (control is null)
        {
            return RejoinResult.NotNeeded("pg_controldata failed; divergence not checked");
        }

        var shutdown = Divergence.FormerPrimary(control.ClusterState)
            ?? (_wasPrimary && control.ClusterState == "shut down in recovery" ? PrimaryShutdown.DemotedStandby : (PrimaryShutdown?)null);
        if (shutdown is null)
        {
            return RejoinResult.NotNeeded($"the data directory was last a replica ({control.ClusterState})");
        }

        var credentials = LeaderProbe.Credentials(_config.Postgresql.Authentication);
        var probe = new LeaderProbe(LeaderProbe.ConnectionString(upstream, credentials, _config.Postgresql.Database), LeaderBudget);
        var (leader, notReady) = await ReadLeaderAsync(probe, upstream, ct);
        if (leader is null)
        {
            return new RejoinResult(RejoinOutcome.Deferred, notReady!);
        }

        var local = await ReadLocalWalAsync(control, shutdown.Value, ct);
        var verdict = Divergence.Check(local, leader);
        LogDivergenceChecked(local.Timeline, local.EndOfWal?.ToString() ?? "unknown", leader.Timeline, verdict.Why);
        if (!verdict.RewindNeeded)
        {
            _wasPrimary = false;
            return RejoinResult.NotNeeded(verdict.Why);
        }

        var settings = RewindSettings.Resolve(_config.Postgresql, dynamic);
        var whyNot = WhyRewindImpossible(settings, control);
        if (whyNot is not null)
        {
            return settings.RemoveOnDivergedTimelines
                ? RemoveDataDirectory($"data diverged from the leader ({verdict.Why}) and pg_rewind is not possible ({whyNot}); removed the data directory to clone again")
                : new RejoinResult(RejoinOutcome.Refused, $"not starting: data diverged from the leader ({verdict.Why}) and pg_rewind is not possible: {whyNot}");
        }

        return await RewindFromAsync(upstream, probe, credentials, shutdown.Value, settings, dynamic, verdict, ct);
    }

    private async Task<RejoinResult> RewindFromAsync(
        UpstreamTarget upstream, LeaderProbe probe, PostgresUser credentials, PrimaryShutdown shutdown,
        RewindSettings settings, DynamicConfig dynamic, DivergenceVerdict verdict, CancellationToken ct)
    {
        // pg_rewind takes the source timeline from the leader's pg_control, which lags until the first checkpoint
        // after promotion; rewinding before it would see "same timeline" and do nothing.
        if (await EnsureLeaderCheckpointAsync(probe, credentials, upstream, ct) is { } waiting)
        {
            return new RejoinResult(RejoinOutcome.Deferred, waiting);
        }

        if (shutdown == PrimaryShutdown.Crashed)
        {
            // rewind.py:ensure_clean_shutdown: push what was not archived yet, then let recovery mark segments afresh.
            await ArchiveReadyWalsAsync(ct);
            CleanupArchiveStatus();
            if (!await RunCrashRecoveryAsync(CrashRecoveryTimeout(dynamic), ct))
            {
                return RewindFailed(settings, verdict, "single-user crash recovery did not leave a cleanly shut down cluster");
            }
        }

        // rewind.py:execute: pg_rewind replaces diverged segments; unarchived ones would be lost from the archive.
        await ArchiveReadyWalsAsync(ct);
        // pg_rewind --restore-target-wal reads restore_command from the config file: write the recovery settings this
        // node will start with as the leader's replica first (Patroni's follow has written them by then).
        WriteConfig(RecoveryParameters.Build(_config, dynamic, upstream), upstream.MemberName);
        if (await RunPgRewindAsync(upstream, credentials, ct))
        {
            return new RejoinResult(RejoinOutcome.Rewound, $"rewound from {upstream.MemberName}: {verdict.Why}");
        }

        // rewind.py:execute: a leader that went away is no verdict on the data; try again next cycle.
        var (leader, _) = await ReadLeaderAsync(probe, upstream, ct);
        return leader is null
            ? new RejoinResult(RejoinOutcome.Deferred, $"pg_rewind failed and the leader {upstream.MemberName} is not usable now; retrying")
            : RewindFailed(settings, verdict, "pg_rewind failed");
    }

    private RejoinResult RewindFailed(RewindSettings settings, DivergenceVerdict verdict, string what) =>
        settings.RemoveAfterFailedRewind
            ? RemoveDataDirectory($"data diverged from the leader ({verdict.Why}) and {what}; removed the data directory to clone again")
            : new RejoinResult(RejoinOutcome.Refused, $"not starting: data diverged from the leader ({verdict.Why}) and {what}");

    private static async Task<(LeaderTimeline? Leader, string? NotReady)> ReadLeaderAsync(LeaderProbe probe, UpstreamTarget upstream, CancellationToken ct)
    {
        LeaderState state;
        try
        {
            state = await probe.ReadAsync(ct);
        }
        catch (Exception ex) when (ex is TimeoutException or NpgsqlException or InvalidOperationException or FormatException)
        {
            return (null, $"cannot check for divergence: leader {upstream.MemberName} is not reachable ({ex.Message})");
        }

        if (state.InRecovery || state.Timeline is not { } timeline || state.WalPosition is not { } position)
        {
            return (null, $"cannot check for divergence: leader {upstream.MemberName} is still in recovery");
        }

        if (timeline > 1 && state.HistoryText is null)
        {
            return (null, $"cannot check for divergence: the history file of timeline {timeline} is not readable on {upstream.MemberName}");
        }

        var history = state.HistoryText is null ? [] : TimelineHistoryFile.Parse(state.HistoryText);
        return (new LeaderTimeline(timeline, position, history), null);
    }

    private async Task<string?> EnsureLeaderCheckpointAsync(LeaderProbe probe, PostgresUser credentials, UpstreamTarget upstream, CancellationToken ct)
    {
        try
        {
            var state = await probe.ReadAsync(ct);
            if (state.CheckpointTimeline == state.Timeline)
            {
                return null;
            }

            // A dedicated rewind user may not run CHECKPOINT, and the leader's own post-promotion checkpoint is
            // spread over minutes: ask with the superuser (the same account cluster-wide).
            var superuser = _config.Postgresql.Authentication.Superuser;
            var checkpointer = credentials == superuser
                ? probe
                : new LeaderProbe(LeaderProbe.ConnectionString(upstream, superuser, _config.Postgresql.Database), LeaderBudget);
            await checkpointer.CheckpointAsync(PgCtlTimeout, ct);
            return null;
        }
        catch (Exception ex) when (ex is TimeoutException or NpgsqlException or InvalidOperationException)
        {
            return $"cannot run pg_rewind yet: checkpoint on {upstream.MemberName} failed ({ex.Message})";
        }
    }

    private string? WhyRewindImpossible(RewindSettings settings, ControlData control)
    {
        if (!settings.UsePgRewind)
        {
            return "use_pg_rewind is off";
        }

        if (!control.CanRewind)
        {
            return "neither data checksums nor wal_log_hints are enabled";
        }

        var tool = _paths.Binary("pg_rewind");
        return Path.IsPathRooted(tool) && !File.Exists(tool) ? $"{tool} does not exist" : null;
    }

    private RejoinResult RemoveDataDirectory(string message)
    {
        ClearDirectory(_paths.DataDir);
        File.SetUnixFileMode(_paths.DataDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        LogDataDirectoryRemoved(_paths.DataDir);
        return new RejoinResult(RejoinOutcome.Removed, message);
    }

    // The same limit as a primary start (primary_start_timeout), never below pg_ctl_timeout.
    private TimeSpan CrashRecoveryTimeout(DynamicConfig dynamic) =>
        TimeSpan.FromSeconds(Math.Max(_config.Postgresql.PgCtlTimeout, dynamic.PrimaryStartTimeout));

    private async Task<LocalWal> ReadLocalWalAsync(ControlData control, PrimaryShutdown shutdown, CancellationToken ct)
    {
        var timeline = control.Timeline ?? 0;
        var highest = Math.Max(timeline, HighestLocalHistoryTimeline());
        Lsn? end = null;
        if (timeline > 0 && control.CheckpointLocation is { } checkpoint)
        {
            end = await FindEndOfWalAsync(timeline, checkpoint, WalSegmentSize(control), ct);
        }

        return new LocalWal(timeline, end, shutdown, highest);
    }

    private int HighestLocalHistoryTimeline()
    {
        if (!Directory.Exists(_paths.WalDir))
        {
            return 0;
        }

        return Directory.EnumerateFiles(_paths.WalDir, "*.history")
            .Select(f => Path.GetFileNameWithoutExtension(f))
            .Select(n => int.TryParse(n, System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture, out var t) ? t : 0)
            .DefaultIfEmpty(0)
            .Max();
    }

    private static long WalSegmentSize(ControlData control) =>
        control.All.TryGetValue("Bytes per WAL segment", out var text) && long.TryParse(text, out var size) ? size : 16L * 1024 * 1024;
}
