using NodeAgent.Cluster;
using NodeAgent.Configuration;
using NodeAgent.Postgres.Rewind;
using NodeAgent.Processes;

namespace NodeAgent.Postgres;

/// <summary>The tools of a rejoin: pg_waldump for the end of WAL, single-user crash recovery, pg_rewind.</summary>
internal sealed partial class PostgresInstance
{
    private static readonly TimeSpan WalDumpTimeout = TimeSpan.FromMinutes(2);
    private TimeSpan RewindTimeout => TimeSpan.FromSeconds(_config.Postgresql.RewindTimeout);

    /// <summary>
    /// Reads from the last checkpoint to the end of the local WAL with <c>pg_waldump -q</c>; it stops with an error
    /// naming the position after the last valid record. Null when that position cannot be read from its output.
    /// </summary>
    private async Task<Lsn?> FindEndOfWalAsync(int timeline, string checkpoint, long segmentSize, CancellationToken ct)
    {
        string[] args = ["-q", "-p", _paths.WalDir, "-t", timeline.ToString(System.Globalization.CultureInfo.InvariantCulture), "-s", checkpoint];
        var spec = ToolSpec("pg_waldump", args) with { QuietOutput = true, Environment = CLocale(), MaxCapturedLines = 50 };
        var result = await _runner.RunAsync(spec, WalDumpTimeout, ct);
        var end = result.TimedOut ? null : WalEnd.Parse(result.Output, segmentSize);
        if (end is null)
        {
            LogWalEndUnknown(Tail(result.Output));
        }

        return end;
    }

    /// <summary>
    /// rewind.py:ensure_clean_shutdown: crash recovery in single-user mode, which ends with a shutdown checkpoint,
    /// because pg_rewind only accepts a cleanly stopped target. stdin is closed at once so postgres runs no
    /// command and exits after recovery. archive_command=false keeps unarchived WAL marked .ready.
    /// </summary>
    private async Task<bool> RunCrashRecoveryAsync(TimeSpan timeout, CancellationToken ct)
    {
        // A leftover signal file would turn this into archive recovery with no source.
        DurableFile.Delete(_paths.StandbySignal);
        DurableFile.Delete(_paths.RecoverySignal);
        var args = new List<string> { "--single", "-D", _paths.DataDir };
        if (File.Exists(_paths.PostgresqlConf))
        {
            args.Add("--config-file=" + _paths.PostgresqlConf);
        }

        args.AddRange(CommandLineOptions(Parameters));
        args.AddRange(["-c", "archive_mode=on", "-c", "archive_command=false", "template1"]);
        LogCrashRecovery(_paths.DataDir);
        var spec = ToolSpec("postgres", args) with { RedirectStandardInput = true, LogName = "postgres --single", WorkingDirectory = _paths.DataDir };
        var exitCode = await RunWithClosedStdinAsync(spec, timeout, ct);
        var state = (await ReadControlDataAsync(ct))?.ClusterState;
        LogCrashRecoveryDone(exitCode, state ?? "unknown");
        return exitCode == 0 && state == "shut down";
    }

    /// <summary>
    /// pg_rewind from the leader. pg_control is kept in memory and put back when pg_rewind fails, so a half-done
    /// run still looks like the old primary to the next attempt; config files inside the data dir are put back
    /// because pg_rewind copies the leader's over them. Both are put back durably: a crash right after must not
    /// leave a torn pg_control or the leader's config.
    /// </summary>
    private async Task<bool> RunPgRewindAsync(UpstreamTarget upstream, PostgresUser credentials, CancellationToken ct)
    {
        var pgControl = Path.Combine(_paths.DataDir, "global", "pg_control");
        var controlBackup = await File.ReadAllBytesAsync(pgControl, ct);
        var configBackup = await BackupConfigFilesAsync(ct);
        var dsn = ConnInfo.Format(
        [
            .. ConnInfo.ForReplication(upstream.ConnUrl, credentials, _config.Name, includePassword: false),
            new("dbname", _config.Postgresql.Database),
            new("target_session_attrs", "read-write"),
        ]);
        var env = CLocale();
        env["PGPASSWORD"] = credentials.Password;
        env["PGPASSFILE"] = null;
        env["PGOPTIONS"] = "-c statement_timeout=0";
        var restoreCommand = await ReadGucAsync("restore_command", ct);
        var args = RewindCommand.Arguments(DataDirMajorVersion(), restoreCommand, _paths.DataDir, _paths.ConfigDir, _paths.PostgresqlConf, dsn);
        var spec = ToolSpec("pg_rewind", args) with { Environment = env };
        LogRewinding(upstream.MemberName);
        var result = await _runner.RunAsync(spec, RewindTimeout, ct);
        if (!result.Succeeded)
        {
            DurableFile.Write(pgControl, controlBackup, DurableFile.OwnerReadWrite, _user);
            LogRewindFailed(upstream.MemberName, result.ExitCode, result.TimedOut, Tail(result.Output));
        }

        RestoreConfigFiles(configBackup);
        return result.Succeeded;
    }

    private async Task<Dictionary<string, (byte[] Content, UnixFileMode Mode)>> BackupConfigFilesAsync(CancellationToken ct)
    {
        var backup = new Dictionary<string, (byte[], UnixFileMode)>(StringComparer.Ordinal);
        var data = Path.GetFullPath(_paths.DataDir);
        foreach (var file in new[] { _paths.PostgresqlConf, _paths.BaseConf, _paths.HbaConf, _paths.IdentConf })
        {
            if (Path.GetDirectoryName(Path.GetFullPath(file)) == data && File.Exists(file))
            {
                backup[file] = (await File.ReadAllBytesAsync(file, ct), File.GetUnixFileMode(file));
            }
        }

        return backup;
    }

    private void RestoreConfigFiles(Dictionary<string, (byte[] Content, UnixFileMode Mode)> backup)
    {
        foreach (var (file, (content, mode)) in backup)
        {
            DurableFile.Write(file, content, mode, _user);
        }
    }

    // Like ProcessRunner.RunAsync, but with stdin closed right after the start (postgres --single reads commands from it).
    private async Task<int> RunWithClosedStdinAsync(ProcessSpec spec, TimeSpan timeout, CancellationToken ct)
    {
        using var child = _runner.Start(spec);
        child.StandardInput.Close();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        try
        {
            await child.WaitForExitAsync(deadline.Token);
            return child.ExitCode;
        }
        catch (OperationCanceledException)
        {
            child.KillTree();
            await child.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10), CancellationToken.None)
                .ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            ct.ThrowIfCancellationRequested();
            LogCrashRecoveryTimedOut(timeout.TotalSeconds);
            return -1;
        }
    }

    private static Dictionary<string, string?> CLocale() => new(StringComparer.Ordinal) { ["LC_ALL"] = "C", ["LANG"] = "C" };
}
