using System.Globalization;
using Microsoft.Extensions.Logging;
using NodeAgent.Configuration;
using NodeAgent.Processes;

namespace NodeAgent.Postgres;

/// <summary>
/// The local postgres: data dir checks, config files, the postmaster child and SQL, composed from small parts.
/// Lifecycle here; observation, bootstrap and SQL maintenance in the other partial files.
/// </summary>
internal sealed partial class PostgresInstance : IPostgresInstance
{
    /// <summary>Used when unix_socket_directories is not set: the Debian build's compiled-in default.</summary>
    internal const string DefaultSocketDirectory = "/var/run/postgresql";
    private static readonly TimeSpan SqlBudget = TimeSpan.FromSeconds(3);
    private AgentConfig _config;
    private volatile bool _wasPrimary;

    /// <summary>This server ran as a primary since its data was last checked against a leader's history.</summary>
    public bool WasPrimarySinceRejoinCheck => _wasPrimary;

    public void RequireDivergenceCheck() => _wasPrimary = true;
    private readonly PostgresPaths _paths;
    private readonly OsUser? _user;
    private readonly ProcessRunner _runner;
    private readonly Postmaster _postmaster;

    /// <summary>Our postmaster exited without being asked to (crash, OOM kill): wake the HA loop.</summary>
    public event Action? PostmasterExitedUnexpectedly
    {
        add => _postmaster.UnexpectedExit += value;
        remove => _postmaster.UnexpectedExit -= value;
    }

    /// <summary>postgres was sent SIGHUP to re-read its files (not after a promotion): Patroni's on_reload moment.</summary>
    public event Action? Reloaded;

    private readonly ConfigFiles _files;
    private readonly DataDirectory _dataDir;
    private readonly PostgresSql _sql;
    private readonly KnownSlots _knownSlots;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private DynamicConfig _dynamic;
    private string? _upstreamMember;

    // A promotion returned; its configuration files are written by FinishPromotionAsync, right after routing moved.
    private bool _promotionFilesPending;

    // The newest timeline this postmaster's WAL receiver has streamed on, keyed by the postmaster's start time.
    private (DateTimeOffset? Started, int Timeline)? _streamedTimeline;

    public PostgresInstance(AgentConfig config, ILoggerFactory loggerFactory, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _config = config;
        _time = time;
        _knownSlots = new KnownSlots(time);
        _dynamic = config.Bootstrap.Dcs;
        _paths = PostgresPaths.From(config.Postgresql);
        _logger = loggerFactory.CreateLogger<PostgresInstance>();
        // postgres refuses root: when we are root, everything runs as (and is owned by) the postgres account.
        _user = Posix.IsRoot
            ? Posix.FindUser("postgres") ?? throw new InvalidOperationException("OS user 'postgres' does not exist")
            : null;
        _runner = new ProcessRunner(loggerFactory.CreateLogger<ProcessRunner>());
        _postmaster = new Postmaster(_paths, _user, _runner, loggerFactory.CreateLogger<Postmaster>(), time);
        _files = new ConfigFiles(_paths, _user);
        _dataDir = new DataDirectory(_paths.DataDir, _user);
        _sql = new PostgresSql(new SqlConnector(BuildConnectionString));
    }

    /// <summary>Why the data dir is Invalid (wrong owner/mode, not a cluster), from the last observation.</summary>
    public string? InvalidReason { get; private set; }

    /// <summary>PID of the running postmaster (ours or adopted).</summary>
    public int? PostmasterPid => _postmaster.Pid;

    internal PostgresSql Sql => _sql;

    internal PostgresPaths Paths => _paths;

    private TimeSpan PgCtlTimeout => TimeSpan.FromSeconds(Math.Max(1, _config.Postgresql.PgCtlTimeout));

    /// <summary>The merged GUCs (<c>postgresql/config.py:ConfigHandler</c>) for the current dynamic config.</summary>
    internal SortedDictionary<string, string> Parameters
    {
        get
        {
            var merged = ServerParameters.Merge(_dynamic.Postgresql, _config.Postgresql, _config.Scope);
            ApplySynchronousStandbyNames(merged, _dynamic, SynchronousStandbyNamesInForce());
            return merged;
        }
    }

    public Task<bool> ReloadLocalConfigAsync(AgentConfig config, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(config);
        _config = config;
        return ApplyDynamicConfigAsync(_dynamic, cancellationToken);
    }

    public async Task<bool> ApplyDynamicConfigAsync(DynamicConfig dynamic, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dynamic);
        _dynamic = dynamic;
        if (!dynamic.SynchronousMode)
        {
            // config.py:get_server_parameters: off, the configured value applies; a later "on" starts from no choice.
            _synchronousStandbyNames = null;
            _synchronousStandbyNamesSeeded = true;
        }

        if (!_postmaster.TryAdopt())
        {
            return false;
        }

        if (WriteConfig(_files.ReadRecoverySection(), _upstreamMember ?? _files.ReadUpstreamMember()))
        {
            await ReloadSignalAsync(cancellationToken);
        }

        return RestartPending();
    }

    public async Task<bool> StartAsync(bool asPrimary, UpstreamTarget? upstream, CancellationToken cancellationToken)
    {
        if (_postmaster.TryAdopt())
        {
            LogAlreadyRunning(_postmaster.Pid ?? 0);
            return asPrimary
                ? await _postmaster.WaitReadyAsync(PgCtlTimeout, cancellationToken)
                : await _postmaster.WaitUpAsync(PgCtlTimeout, cancellationToken);
        }

        var (state, reason) = _dataDir.Check();
        if (state != DataDirState.Initialized)
        {
            throw new InvalidOperationException($"cannot start postgres: data directory is {state}{(reason is null ? "" : ": " + reason)}");
        }

        if (!asPrimary)
        {
            // ha.py:recover and demote: a replica names no synchronous standbys; the leader sets them before it promotes.
            _synchronousStandbyNames = null;
            _synchronousStandbyNamesSeeded = true;
            ForgetCheckpointAfterPromote();
        }

        var recovery = asPrimary ? null : RecoveryParameters.Build(_config, _dynamic, upstream);
        _upstreamMember = asPrimary ? null : upstream?.MemberName;
        WriteConfig(recovery, _upstreamMember);
        _files.WriteStandbySignal(!asPrimary);
        var options = StartOptions(asPrimary);
        LogStarting(asPrimary ? "primary" : "replica", _upstreamMember ?? "-");
        _postmaster.Start(options);
        // A primary must answer before the loop goes on (it holds the lock for it); a replica only has to be up:
        // the loop keeps touching its member key while it waits for WAL ("starting"), as Patroni does.
        var ready = asPrimary
            ? await _postmaster.WaitReadyAsync(PgCtlTimeout, cancellationToken)
            : await _postmaster.WaitUpAsync(PgCtlTimeout, cancellationToken);
        if (!ready)
        {
            LogNotReady(PgCtlTimeout.TotalSeconds);
        }

        _startBlocked = null;
        return ready;
    }

    public async Task CheckpointBeforeStopAsync(TimeSpan budget, CancellationToken cancellationToken)
    {
        try
        {
            await _sql.CheckpointAsync(budget, cancellationToken);
        }
        catch (Exception ex) when (ex is TimeoutException or Npgsql.NpgsqlException)
        {
            LogCheckpointFailed(ex.Message);
        }
    }

    public async Task StopAsync(StopMode mode, bool checkpoint, CancellationToken cancellationToken)
    {
        if (!_postmaster.TryAdopt())
        {
            return;
        }

        if (checkpoint && mode != StopMode.Immediate)
        {
            await CheckpointBeforeStopAsync(PgCtlTimeout, cancellationToken);
        }

        // The kept connection would hold a smart shutdown open; any other mode would break it anyway.
        _sql.CloseKeptConnection();
        if (!await _postmaster.StopAsync(mode, PgCtlTimeout, cancellationToken))
        {
            throw new InvalidOperationException($"postmaster (pid {_postmaster.Pid}) did not stop");
        }

        RelayClientsWhileHeldOff();
    }

    public async Task<RestartOutcome> RestartAsync(TimeSpan startTimeout, CancellationToken cancellationToken)
    {
        // The role comes from the data directory, as Patroni's get_postgres_role_from_data_directory: the restart
        // changes nothing but the postmaster (and the settings that were waiting for it).
        var asPrimary = !File.Exists(_paths.StandbySignal);
        var recovery = asPrimary ? null : _files.ReadRecoverySection();
        var upstream = asPrimary ? null : _upstreamMember ?? _files.ReadUpstreamMember();
        LogRestarting(asPrimary ? "primary" : "replica", _postmaster.Pid ?? 0);
        try
        {
            await StopAsync(StopMode.Fast, checkpoint: true, cancellationToken);
        }
        catch (InvalidOperationException e)
        {
            LogRestartFailed(e.Message);
            return RestartOutcome.Failed;
        }

        if (_dataDir.Check().State != DataDirState.Initialized)
        {
            LogRestartFailed("the data directory is not initialized");
            return RestartOutcome.Failed;
        }

        _upstreamMember = upstream;
        WriteConfig(recovery, upstream);
        _files.WriteStandbySignal(!asPrimary);
        _postmaster.Start(StartOptions(asPrimary));
        _startBlocked = null;
        if (await _postmaster.WaitReadyAsync(startTimeout, cancellationToken))
        {
            return RestartOutcome.Restarted;
        }

        LogNotReady(startTimeout.TotalSeconds);
        return _postmaster.IsRunning ? RestartOutcome.StillStarting : RestartOutcome.Failed;
    }

    public Task RemoveDataDirectoryAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (_postmaster.TryAdopt())
        {
            throw new InvalidOperationException($"postgres (pid {_postmaster.Pid}) still runs on {_paths.DataDir}; not removing it");
        }

        RemoveDataDirectory("reinitialize");
        _wasPrimary = false;
        _startBlocked = null;
        _upstreamMember = null;
        return Task.CompletedTask;
    }

    public async Task FollowAsync(UpstreamTarget? upstream, CancellationToken cancellationToken)
    {
        _upstreamMember = upstream?.MemberName;
        WriteConfig(RecoveryParameters.Build(_config, _dynamic, upstream), _upstreamMember);
        _files.WriteStandbySignal(true);
        await ReloadSignalAsync(cancellationToken);
    }

    public async Task ReloadAsync(CancellationToken cancellationToken)
    {
        WriteConfig(_files.ReadRecoverySection(), _upstreamMember ?? _files.ReadUpstreamMember());
        await ReloadSignalAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        // The postmaster outlives the agent on purpose (adopted after a restart); the relay does not.
        StopRelayingClients();
        await Task.CompletedTask;
    }

    /// <summary>"--name=value" for each command-line GUC (wal_keep_size stays in the file, as Patroni does).</summary>
    internal static IReadOnlyList<string> CommandLineOptions(IReadOnlyDictionary<string, string> parameters) =>
        [.. ServerParameters.CommandLineNames.Where(parameters.ContainsKey).Select(n => "--" + n + "=" + parameters[n])];

    /// <summary>With <paramref name="announce"/>, <see cref="Reloaded"/> fires: postgresql/__init__.py:reload calls on_reload, promote does not reload.</summary>
    private Task ReloadSignalAsync(CancellationToken cancellationToken, bool announce = true)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (_postmaster.Reload())
        {
            _sql.NoteReloaded();
            LogReloaded();
            if (announce)
            {
                Reloaded?.Invoke();
            }
        }

        return Task.CompletedTask;
    }

    // True when postgresql.conf, postgresql.auto.conf or pg_hba.conf changed on disk. keepExistingRecoveryConf: a custom
    // bootstrap's own recovery settings stay until it ends (config.py:write_postgresql_conf).
    private bool WriteConfig(IReadOnlyDictionary<string, string>? recovery, string? upstreamMember, bool keepExistingRecoveryConf = false)
    {
        var parameters = Parameters;
        _writtenSynchronousStandbyNames = parameters.GetValueOrDefault("synchronous_standby_names", "");
        var changed = _files.WritePostgresqlConf(_files.RenderPostgresqlConf(parameters, recovery, upstreamMember));
        if (!keepExistingRecoveryConf && _files.SanitizeAutoConf())
        {
            LogAutoConfSanitized(_paths.AutoConf);
            changed = true;
        }

        var hba = _config.Postgresql.PgHba.Count > 0 ? _config.Postgresql.PgHba : _dynamic.Postgresql.PgHba;
        if (hba.Count > 0 && !parameters.ContainsKey("hba_file"))
        {
            changed |= _files.ReplaceHba(hba);
        }

        return changed;
    }

    // A restart is pending when the command-line GUCs the postmaster runs with differ from the wanted ones.
    private bool RestartPending()
    {
        if (_postmaster.Pid is not { } pid)
        {
            return false;
        }

        var running = Posix.CommandLine(pid).Where(a => a.StartsWith("--", StringComparison.Ordinal) && !a.StartsWith("--config-file=", StringComparison.Ordinal));
        return !running.SequenceEqual(WantedOptions());
    }

    private sealed record OptionsFor(DynamicConfig Dynamic, AgentConfig Config, bool UnixSocketOnly, IReadOnlyList<string> Value);

    private OptionsFor? _wantedOptions;

    // Asked every cycle; the command-line GUCs change only with a new config (synchronous_standby_names is not one of them).
    private IReadOnlyList<string> WantedOptions()
    {
        var (dynamic, config, unixOnly) = (_dynamic, _config, _startedUnixSocketOnly);
        if (Volatile.Read(ref _wantedOptions) is { } known && ReferenceEquals(known.Dynamic, dynamic) && ReferenceEquals(known.Config, config) && known.UnixSocketOnly == unixOnly)
        {
            return known.Value;
        }

        var value = RunningOptions();
        Volatile.Write(ref _wantedOptions, new OptionsFor(dynamic, config, unixOnly, value));
        return value;
    }

    // Every query asks for it: built once per config. Both configs are replaced, never changed in place, so their
    // identity is the key.
    private sealed record ConnectionStringFor(DynamicConfig Dynamic, AgentConfig Config, string Value);

    private ConnectionStringFor? _connectionString;

    private string BuildConnectionString()
    {
        var (dynamic, config) = (_dynamic, _config);
        if (Volatile.Read(ref _connectionString) is { } known && ReferenceEquals(known.Dynamic, dynamic) && ReferenceEquals(known.Config, config))
        {
            return known.Value;
        }

        // Socket directory and port come from the merged GUCs alone; synchronous_standby_names does not touch them.
        var parameters = ServerParameters.Merge(dynamic.Postgresql, config.Postgresql, config.Scope);
        var su = config.Postgresql.Authentication.Superuser;
        var value = SqlConnector.BuildConnectionString(
            ServerParameters.SocketDirectory(parameters, DefaultSocketDirectory),
            int.Parse(parameters["port"], CultureInfo.InvariantCulture),
            su.Username,
            su.Password,
            config.Postgresql.Database,
            commandTimeoutSeconds: 2);
        Volatile.Write(ref _connectionString, new ConnectionStringFor(dynamic, config, value));
        return value;
    }
}
