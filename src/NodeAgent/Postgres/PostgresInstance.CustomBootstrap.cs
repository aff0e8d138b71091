using System.ComponentModel;
using Npgsql;
using NodeAgent.Configuration;
using NodeAgent.Postgres.Bootstrap;
using NodeAgent.Processes;

namespace NodeAgent.Postgres;

/// <summary>
/// bootstrap.py:bootstrap with a custom <c>bootstrap.method</c> (_custom_bootstrap), its first start through recovery, and
/// post_bootstrap (call_post_bootstrap): the operator's scripts, run as the postgres user with Patroni's arguments.
/// </summary>
internal sealed partial class PostgresInstance
{
    /// <summary>A restore of a large backup, and its recovery to the target, take long; shutdown cancels sooner.</summary>
    private static readonly TimeSpan BootstrapMethodTimeout = TimeSpan.FromHours(6);
    private static readonly TimeSpan PostBootstrapTimeout = TimeSpan.FromHours(1);
    private static readonly TimeSpan RecoveryPollInterval = TimeSpan.FromSeconds(1);

    /// <summary>How the first start after a custom method recovers: its recovery_conf (null: none), or what the restore left.</summary>
    private sealed record BootstrapRecovery(SortedDictionary<string, string>? Parameters, bool Standby, bool KeepExisting);

    private BootstrapRecovery? _bootstrapRecovery;

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        var bootstrap = _config.Bootstrap;
        // bootstrap.py:bootstrap: a method without a section holding a command falls back to initdb.
        if (bootstrap.Method != "initdb" && bootstrap.CustomMethods.TryGetValue(bootstrap.Method, out var method))
        {
            await RunBootstrapMethodAsync(bootstrap.Method, method, cancellationToken);
        }
        else
        {
            _bootstrapRecovery = null;
            await InitDbAsync(cancellationToken);
        }
    }

    private async Task RunBootstrapMethodAsync(string name, CustomBootstrapMethod method, CancellationToken cancellationToken)
    {
        _dataDir.EnsureEmpty();
        IReadOnlyList<string> words;
        try
        {
            words = ShellWords.Split(method.Command);
        }
        catch (FormatException e)
        {
            throw new InvalidOperationException($"bootstrap.{name}.command cannot be split into words: {e.Message}", e);
        }

        if (words.Count == 0)
        {
            throw new InvalidOperationException($"bootstrap.{name}.command is empty");
        }

        string[] parameters = method.NoParams ? [] : ["--scope=" + _config.Scope, "--datadir=" + _paths.DataDir];
        var spec = new ProcessSpec
        {
            FileName = words[0],
            Arguments = [.. words.Skip(1), .. parameters],
            RunAs = _user,
            LogName = "bootstrap." + name,
            NewSession = true,
        };
        LogRunningBootstrapMethod(name, method.Command);
        ProcessResult result;
        try
        {
            result = await _runner.RunAsync(spec, BootstrapMethodTimeout, cancellationToken);
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException($"custom bootstrap failed: cannot run bootstrap.{name}.command '{method.Command}': {e.Message}", e);
        }

        if (!result.Succeeded)
        {
            throw new InvalidOperationException(
                $"custom bootstrap failed: bootstrap.{name}.command exited {result.ExitCode}{(result.TimedOut ? " (timed out)" : "")}: {Tail(result.Output)}");
        }

        if (_dataDir.Check().State != DataDirState.Initialized)
        {
            throw new InvalidOperationException($"custom bootstrap failed: bootstrap.{name}.command exited 0 but left no database cluster in {_paths.DataDir}");
        }

        AfterRestore();
        _bootstrapRecovery = method.RecoveryConf is { } conf
            ? new BootstrapRecovery(RecoveryOnly(conf), IsStandbyMode(conf), method.KeepExistingRecoveryConf)
            : new BootstrapRecovery(null, false, method.KeepExistingRecoveryConf);
        if (_config.Postgresql.PgHba.Count == 0 && _config.Bootstrap.PgHba.Count > 0)
        {
            _files.AppendHba(_config.Bootstrap.PgHba);
        }
    }

    public async Task<bool> StartBootstrappedAsync(CancellationToken cancellationToken)
    {
        if (_bootstrapRecovery is not { } recovery)
        {
            return await StartAsync(asPrimary: true, upstream: null, cancellationToken);
        }

        // config.py:write_recovery_conf (PG 12+): the settings in postgresql.conf, standby.signal for standby_mode, else recovery.signal.
        WriteConfig(recovery.Parameters, null, recovery.KeepExisting);
        if (recovery.Parameters is not null)
        {
            _files.WriteStandbySignal(recovery.Standby);
            if (!recovery.Standby)
            {
                DurableFile.CreateEmpty(_paths.RecoverySignal, DurableFile.OwnerReadWrite, _user);
            }
        }
        else if (!recovery.KeepExisting)
        {
            _files.WriteStandbySignal(false);
        }

        LogStarting("primary after a custom bootstrap", "-");
        _postmaster.Start(StartOptions(asPrimary: true));
        if (!await _postmaster.WaitUpAsync(PgCtlTimeout, cancellationToken) || !await WaitEndOfRecoveryAsync(cancellationToken))
        {
            return false;
        }

        // bootstrap.py:post_bootstrap: no recovery settings stay behind once the new cluster is a primary.
        _bootstrapRecovery = null;
        WriteConfig(null, null);
        _files.WriteStandbySignal(false);
        await ReloadSignalAsync(cancellationToken, announce: false);
        return true;
    }

    /// <summary>ha.py:post_bootstrap: "waiting for end of recovery after bootstrap", while postgres runs.</summary>
    private async Task<bool> WaitEndOfRecoveryAsync(CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        LogWaitingEndOfRecovery();
        while (_postmaster.IsRunning && _time.GetElapsedTime(started) < BootstrapMethodTimeout)
        {
            try
            {
                if (!await _sql.IsInRecoveryAsync(SqlBudget, cancellationToken))
                {
                    return true;
                }
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                // Not accepting connections yet: still replaying the archive.
            }

            await Task.Delay(RecoveryPollInterval, _time, cancellationToken);
            _postmaster.TryAdopt();
        }

        return false;
    }

    public async Task RunPostBootstrapAsync(CancellationToken cancellationToken)
    {
        var command = _config.Bootstrap.PostBootstrap;
        if (string.IsNullOrWhiteSpace(command))
        {
            return;
        }

        var parameters = Parameters;
        var su = _config.Postgresql.Authentication.Superuser;
        var dsn = LocalDsn.Format(parameters, _config.Postgresql.UseUnixSocket, su, _config.Postgresql.Database);
        string? pgpass = null;
        try
        {
            var words = ShellWords.Split(command);
            if (words.Count == 0)
            {
                throw new InvalidOperationException("bootstrap.post_bootstrap is empty");
            }

            var env = new Dictionary<string, string?> { ["PGOPTIONS"] = "-c synchronous_commit=local" };
            if (su.Password is not null)
            {
                var (host, port) = LocalDsn.Address(parameters, _config.Postgresql.UseUnixSocket);
                pgpass = WritePrivateTempFile(PgPassLine(host, LocalDsn.PortNumber(port), su.Username, su.Password));
                env["PGPASSFILE"] = pgpass;
            }

            var spec = new ProcessSpec
            {
                FileName = words[0],
                Arguments = [.. words.Skip(1), dsn],
                RunAs = _user,
                Environment = env,
                LogName = "bootstrap.post_bootstrap",
                NewSession = true,
            };
            LogRunningPostBootstrap(command);
            var result = await _runner.RunAsync(spec, PostBootstrapTimeout, cancellationToken);
            if (!result.Succeeded)
            {
                throw new InvalidOperationException(
                    $"post_bootstrap script {command} returned non-zero code {result.ExitCode}{(result.TimedOut ? " (timed out)" : "")}: {Tail(result.Output)}");
            }
        }
        catch (Exception e) when (e is FormatException or Win32Exception)
        {
            throw new InvalidOperationException($"post_bootstrap script {command} failed: {e.Message}", e);
        }
        finally
        {
            if (pgpass is not null)
            {
                File.Delete(pgpass);
            }
        }
    }

    private static SortedDictionary<string, string> RecoveryOnly(IReadOnlyDictionary<string, string> conf)
    {
        var result = new SortedDictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in conf)
        {
            if (!name.Equals("standby_mode", StringComparison.OrdinalIgnoreCase))
            {
                result[name] = value;
            }
        }

        return result;
    }

    private static bool IsStandbyMode(IReadOnlyDictionary<string, string> conf) =>
        conf.FirstOrDefault(p => p.Key.Equals("standby_mode", StringComparison.OrdinalIgnoreCase)).Value?.ToLowerInvariant() is "on" or "true" or "yes" or "1";
}
