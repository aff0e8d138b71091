using System.ComponentModel;
using NodeAgent.Configuration;
using NodeAgent.Postgres.Replica;
using NodeAgent.Processes;

namespace NodeAgent.Postgres;

/// <summary>bootstrap.py:create_replica and clone: the create_replica_methods in order, pg_basebackup or the operator's command.</summary>
internal sealed partial class PostgresInstance
{
    private volatile BasebackupProgress? _basebackupProgress;

    /// <summary>A restore from a backup repository or a base backup of a large cluster takes long; shutdown cancels it sooner.</summary>
    private TimeSpan ReplicaMethodTimeout => TimeSpan.FromSeconds(_config.Postgresql.CreateReplicaTimeout);
    private static readonly TimeSpan BasebackupRetryDelay = TimeSpan.FromSeconds(5);

    public async Task CloneFromAsync(UpstreamTarget? source, CancellationToken cancellationToken)
    {
        var methods = ReplicaMethods.Order(_config.Postgresql, hasSource: source is not null);
        if (methods.Count == 0)
        {
            throw new InvalidOperationException(source is null
                ? "no leader to clone from and no create_replica_methods entry marked no_leader"
                : "create_replica_methods names no method that can run");
        }

        foreach (var method in methods)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var created = method.Custom is { } custom
                ? await RunReplicaMethodAsync(method.Name, custom, source, cancellationToken)
                : await BasebackupAsync(source!, cancellationToken);
            if (created && _dataDir.Check().State == DataDirState.Initialized)
            {
                LogReplicaCreated(method.Name, source?.MemberName ?? "(no leader)");
                AfterRestore();
                return;
            }

            if (created)
            {
                LogReplicaMethodFailed(method.Name, "it exited 0 but left no database cluster in the data directory");
            }
        }

        // ha.py:clone: a failed create_replica leaves nothing behind; the next cycle starts over.
        ClearDirectory(_paths.DataDir);
        throw new InvalidOperationException(
            $"could not create the replica{(source is null ? "" : " from " + source.MemberName)}: every create_replica_methods entry failed ({string.Join(", ", methods.Select(m => m.Name))})");
    }

    /// <summary>bootstrap.py:_post_restore: a promote trigger left in the restored data would promote it at once.</summary>
    private void AfterRestore()
    {
        DurableFile.Delete(Path.Combine(_paths.DataDir, "promote"));
    }

    /// <summary>bootstrap.py:basebackup: two tries, five seconds apart, into an empty data dir.</summary>
    private async Task<bool> BasebackupAsync(UpstreamTarget upstream, CancellationToken cancellationToken)
    {
        var options = ToolOptions.ToArguments(_config.Postgresql.Basebackup, ToolOptions.ForbiddenBasebackup, "pg_basebackup");
        var repl = _config.Postgresql.Authentication.Replication;
        // Like Patroni, no application_name: pg_basebackup's WAL stream must not show in the leader's
        // pg_stat_replication as this member "streaming" (sync standby choice, replication_state, monitoring).
        var dsn = ConnInfo.Format([
            .. ConnInfo.ForReplication(upstream.ConnUrl, repl, _config.Name, includePassword: false).Where(p => p.Key != "application_name"),
            new("dbname", _config.Postgresql.Database)]);
        var env = new Dictionary<string, string?> { ["PGPASSWORD"] = repl.Password, ["PGPASSFILE"] = null };
        string[] fixedArgs = ["--pgdata=" + _paths.DataDir, "-X", "stream", "--dbname=" + dsn];
        if (!options.Contains("--progress") && !options.Contains("-P"))
        {
            // One line a second on a pipe: how far the copy is, for the member key and the log.
            fixedArgs = [.. fixedArgs, "--progress"];
        }

        const int attempts = 2;
        for (var attempt = 1; ; attempt++)
        {
            ClearDirectory(_paths.DataDir);
            _dataDir.EnsureEmpty();
            BasebackupProgress? logged = null;
            var spec = ToolSpec("pg_basebackup", [.. fixedArgs, .. options]) with
            {
                Environment = env,
                ConsumeLine = line =>
                {
                    if (BasebackupProgress.Parse(line) is not { } progress)
                    {
                        return false;
                    }

                    _basebackupProgress = progress;
                    if (BasebackupProgress.WorthLogging(logged, progress))
                    {
                        logged = progress;
                        LogBasebackupProgress(upstream.MemberName, progress.DoneBytes, progress.TotalBytes, progress.Percent);
                    }

                    return true;
                },
            };
            ProcessResult result;
            try
            {
                result = await _runner.RunAsync(spec, ReplicaMethodTimeout, cancellationToken);
            }
            finally
            {
                _basebackupProgress = null;
            }

            if (result.Succeeded)
            {
                return true;
            }

            if (attempt >= attempts)
            {
                LogReplicaMethodFailed(ReplicaMethods.Basebackup, $"pg_basebackup from {upstream.MemberName} exited {result.ExitCode}{(result.TimedOut ? " (timed out)" : "")}: {Tail(result.Output)}");
                return false;
            }

            LogCloneRetry(upstream.MemberName, result.ExitCode);
            await Task.Delay(BasebackupRetryDelay, _time, cancellationToken);
        }
    }

    /// <summary>
    /// An operator's method: the data dir emptied unless keep_data, then the command as the postgres user with Patroni's
    /// arguments; the replication password reaches it in a pgpass file (PGPASSFILE), as Patroni's write_pgpass does.
    /// </summary>
    private async Task<bool> RunReplicaMethodAsync(string name, ReplicaMethodConfig method, UpstreamTarget? source, CancellationToken cancellationToken)
    {
        if (!method.KeepData)
        {
            ClearDirectory(_paths.DataDir);
        }
        else
        {
            LogKeepingData(name);
        }

        if (!Directory.Exists(_paths.DataDir))
        {
            _dataDir.EnsureEmpty();
        }

        var repl = _config.Postgresql.Authentication.Replication;
        var connString = ReplicaMethods.ConnString(source, repl, _config.Postgresql.Database);
        string? pgpass = null;
        try
        {
            var env = new Dictionary<string, string?>();
            if (source is not null && repl.Password is not null)
            {
                var (host, port) = ConnInfo.HostPort(source.ConnUrl);
                pgpass = WritePrivateTempFile(PgPassLine(host, port, repl.Username, repl.Password));
                env["PGPASSFILE"] = pgpass;
            }

            var args = ReplicaMethods.CommandLine(method, _config.Scope, _paths.DataDir, connString);
            var spec = new ProcessSpec
            {
                FileName = args[0],
                Arguments = [.. args.Skip(1)],
                RunAs = _user,
                Environment = env,
                LogName = "create_replica_methods." + name,
                NewSession = true,
            };
            LogRunningReplicaMethod(name, method.Command);
            var result = await _runner.RunAsync(spec, ReplicaMethodTimeout, cancellationToken);
            if (!result.Succeeded)
            {
                LogReplicaMethodFailed(name, $"{method.Command} exited with code={result.ExitCode}{(result.TimedOut ? " (timed out)" : "")}: {Tail(result.Output)}");
            }

            return result.Succeeded;
        }
        catch (Exception e) when (e is FormatException or Win32Exception)
        {
            LogReplicaMethodFailed(name, $"cannot run '{method.Command}' (postgresql.{name}.command): {e.Message}");
            return false;
        }
        finally
        {
            if (pgpass is not null)
            {
                File.Delete(pgpass);
            }
        }
    }

    /// <summary>config.py:_pgpass_line: host:port:*:user:password with ':' and '\' escaped.</summary>
    internal static string PgPassLine(string host, int port, string user, string password)
    {
        static string Escape(string v) => v.Replace("\\", "\\\\", StringComparison.Ordinal).Replace(":", "\\:", StringComparison.Ordinal);
        return $"{Escape(host)}:{port.ToString(System.Globalization.CultureInfo.InvariantCulture)}:*:{Escape(user)}:{Escape(password)}\n";
    }
}
