using NodeAgent.Cluster;
using NodeAgent.Processes;

namespace NodeAgent.Postgres;

internal sealed partial class PostgresInstance
{
    private TimeSpan InitDbTimeout => TimeSpan.FromSeconds(_config.Postgresql.InitdbTimeout);
    private static readonly TimeSpan ControlDataTimeout = TimeSpan.FromSeconds(10);

    public async Task InitDbAsync(CancellationToken cancellationToken)
    {
        var options = ToolOptions.ToArguments(_config.Bootstrap.Initdb, ToolOptions.ForbiddenInitdb, "initdb");
        _dataDir.EnsureEmpty();
        var su = _config.Postgresql.Authentication.Superuser;
        var args = new List<string> { "-D", _paths.DataDir, "--username=" + su.Username };
        string? pwfile = null;
        try
        {
            if (su.Password is not null)
            {
                pwfile = WritePrivateTempFile(su.Password + "\n");
                args.Add("--pwfile=" + pwfile);
            }

            args.AddRange(options);
            var result = await _runner.RunAsync(ToolSpec("initdb", args), InitDbTimeout, cancellationToken);
            if (!result.Succeeded)
            {
                throw new InvalidOperationException($"initdb failed (exit {result.ExitCode}{(result.TimedOut ? ", timed out" : "")}): {Tail(result.Output)}");
            }
        }
        finally
        {
            if (pwfile is not null)
            {
                File.Delete(pwfile);
            }
        }

        // bootstrap.pg_hba is appended to initdb's file unless postgresql.pg_hba replaces the file anyway.
        if (_config.Postgresql.PgHba.Count == 0 && _config.Bootstrap.PgHba.Count > 0)
        {
            _files.AppendHba(_config.Bootstrap.PgHba);
        }
    }

    public async Task<IReadOnlyList<TimelineHistoryEntry>> ReadTimelineHistoryAsync(int timeline, CancellationToken cancellationToken)
    {
        var path = Path.Combine(_paths.WalDir, TimelineHistoryFile.FileName(timeline));
        if (timeline <= 1 || !File.Exists(path))
        {
            return [];
        }

        return TimelineHistoryFile.Parse(await File.ReadAllTextAsync(path, cancellationToken));
    }

    /// <summary>Runs pg_controldata; null when it fails (no cluster, damaged pg_control).</summary>
    internal async Task<ControlData?> ReadControlDataAsync(CancellationToken cancellationToken)
    {
        var spec = ToolSpec("pg_controldata", [_paths.DataDir]) with
        {
            QuietOutput = true,
            // The labels we parse are English only.
            Environment = new Dictionary<string, string?> { ["LC_ALL"] = "C", ["LANG"] = "C" },
        };
        var result = await _runner.RunAsync(spec, ControlDataTimeout, cancellationToken);
        return result.Succeeded ? ControlData.Parse(result.Output) : null;
    }

    private ProcessSpec ToolSpec(string tool, IReadOnlyList<string> args) => new()
    {
        FileName = _paths.Binary(tool),
        Arguments = args,
        RunAs = _user,
        LogName = tool,
    };

    // A 0600 file owned by the postgres user (initdb reads it as that user).
    private string WritePrivateTempFile(string content)
    {
        var path = Path.Combine(Path.GetTempPath(), "node-agent-" + Guid.NewGuid().ToString("N"));
        using (var stream = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        }))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(content);
        }

        if (_user is not null)
        {
            Posix.Chown(path, _user);
        }

        return path;
    }

    private static void ClearDirectory(string path)
    {
        if (!Directory.Exists(path))
        {
            return;
        }

        foreach (var entry in new DirectoryInfo(path).EnumerateFileSystemInfos())
        {
            if (entry is DirectoryInfo d)
            {
                d.Delete(recursive: true);
            }
            else
            {
                entry.Delete();
            }
        }
    }

    private static string Tail(IReadOnlyList<string> output) => string.Join(" | ", output.TakeLast(5));
}
