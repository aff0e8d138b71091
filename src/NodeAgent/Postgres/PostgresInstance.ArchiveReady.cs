using System.ComponentModel;
using System.Globalization;
using NodeAgent.Postgres.Rewind;
using NodeAgent.Processes;

namespace NodeAgent.Postgres;

/// <summary>
/// rewind.py:_archive_ready_wals and cleanup_archive_status: WAL a former primary wrote but never archived is pushed with
/// its own archive_command before crash recovery and pg_rewind, which would otherwise recycle or replace it, leaving a
/// gap in the archive.
/// </summary>
internal sealed partial class PostgresInstance
{
    private static readonly TimeSpan GucReadTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan ArchiveCommandTimeout = TimeSpan.FromMinutes(5);

    private string ArchiveStatusDir => Path.Combine(_paths.WalDir, "archive_status");

    private async Task ArchiveReadyWalsAsync(CancellationToken ct)
    {
        var mode = await ReadGucAsync("archive_mode", ct);
        var command = await ReadGucAsync("archive_command", ct);
        if (mode is not ("on" or "always") || string.IsNullOrEmpty(command))
        {
            return;
        }

        string[] names;
        try
        {
            names = [.. Directory.EnumerateFiles(ArchiveStatusDir).Select(Path.GetFileName).OfType<string>()];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogArchiveStatusUnreadable(ArchiveStatusDir, e.Message);
            return;
        }

        foreach (var wal in RewindCommand.ReadySegments(names))
        {
            var ready = Path.Combine(ArchiveStatusDir, wal + ".ready");
            // Archived meanwhile, or the segment itself is gone: nothing to push.
            if (!File.Exists(ready) || !File.Exists(Path.Combine(_paths.WalDir, wal)))
            {
                continue;
            }

            var cmd = RewindCommand.ArchiverCommand(command, _paths.WalDir, wal);
            LogArchivingReady(wal, cmd);
            if (await RunArchiverAsync(cmd, ct))
            {
                try
                {
                    File.Move(ready, Path.Combine(ArchiveStatusDir, wal + ".done"));
                }
                catch (IOException e)
                {
                    LogArchiveStatusUnreadable(ready, e.Message);
                }
            }
            else
            {
                LogArchiveReadyFailed(wal);
            }
        }
    }

    /// <summary>rewind.py:cleanup_archive_status: after crash recovery postgres marks again what it still has to archive.</summary>
    private void CleanupArchiveStatus()
    {
        try
        {
            foreach (var file in Directory.EnumerateFiles(ArchiveStatusDir))
            {
                File.Delete(file);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogArchiveStatusUnreadable(ArchiveStatusDir, e.Message);
        }
    }

    private async Task<bool> RunArchiverAsync(string command, CancellationToken ct)
    {
        try
        {
            var words = ShellWords.Split(command);
            if (words.Count == 0)
            {
                return false;
            }

            var spec = new ProcessSpec
            {
                FileName = words[0],
                Arguments = [.. words.Skip(1)],
                RunAs = _user,
                WorkingDirectory = _paths.DataDir,
                LogName = "archive_command",
            };
            return (await _runner.RunAsync(spec, ArchiveCommandTimeout, ct)).Succeeded;
        }
        catch (Exception e) when (e is FormatException or Win32Exception)
        {
            LogArchiveStatusUnreadable(command, e.Message);
            return false;
        }
    }

    /// <summary>postgresql/__init__.py:get_guc_value: <c>postgres -C</c> on the config file, so ALTER SYSTEM counts too; null when it fails.</summary>
    private async Task<string?> ReadGucAsync(string name, CancellationToken ct)
    {
        var spec = ToolSpec("postgres", ["-D", _paths.DataDir, "-C", name, "--config-file=" + _paths.PostgresqlConf]) with
        {
            QuietOutput = true,
            Environment = CLocale(),
            LogName = "postgres -C " + name,
        };
        var result = await _runner.RunAsync(spec, GucReadTimeout, ct);
        return result.Succeeded && result.Output.Count > 0 ? result.Output[^1].Trim() : null;
    }

    /// <summary>The major version of the data dir (PG_VERSION), 0 when unreadable.</summary>
    private int DataDirMajorVersion()
    {
        try
        {
            return int.TryParse(File.ReadAllText(_paths.PgVersion).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }
}
