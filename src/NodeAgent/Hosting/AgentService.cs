using System.Runtime.InteropServices;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NodeAgent.Api.Status;
using NodeAgent.Commands;
using NodeAgent.Configuration;
using NodeAgent.Dcs;
using NodeAgent.Dcs.Etcd3;
using NodeAgent.Fencing;
using NodeAgent.Ha;
using NodeAgent.Postgres;
using NodeAgent.Postgres.Callbacks;
using NodeAgent.Processes;
using NodeAgent.Routing;
using NodeAgent.Watchdog;

namespace NodeAgent.Hosting;

/// <summary>
/// The composition root of the daemon: builds the ports (etcd, postgres, watchdog, peers, REST) once,
/// runs the HA loop until SIGTERM, then shuts down like Patroni (leader: fast stop with checkpoint,
/// release the lock).
/// </summary>
internal sealed partial class AgentService(
    AgentConfig config,
    ConfigSource source,
    TimeProvider time,
    ILoggerFactory loggers,
    IHostApplicationLifetime lifetime) : BackgroundService
{
    private readonly ILogger _logger = loggers.CreateLogger("NodeAgent");
    private readonly StatusBoard _board = new();
    private readonly HaRequests _requests = new();
    private readonly FailsafeAcceptance _failsafe = new(time);
    private LeaseClock? _lease;
    private Etcd3Dcs? _dcs;
    private PostgresInstance? _postgres;
    private IWatchdog? _watchdog;
    private ProcessFencer? _fencer;
    private HaLoop? _loop;
    private HttpClient? _peerHttp;
    private ApiHost? _api;
    private RoutingPusher? _routing;
    private PosixSignalRegistration? _sighup;
    private bool _started;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        foreach (var warning in source.Warnings)
        {
            LogConfigWarning(_logger, warning.ToString());
        }

        LogStarting(_logger, config.Name, config.Scope, AgentVersion.Current);
        Compose();
        _sighup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
        {
            context.Cancel = true;
            Reload();
        });

        // The REST API answers (503) before etcd is reachable, so HAProxy sees a node, not a refused port.
        var sink = new AgentCommandSink(_dcs!, () => _loop!.Dynamic.LoopWait, () => _loop!.Dynamic.RetryTimeout, () => _loop!.Wakeup(), Reload,
            time, loggers.CreateLogger<AgentCommandSink>(), _requests, () => _loop!.LongActionRunning ? null : _loop!.LastPostgres?.PostmasterStartTime,
            new FailsafeReceiver(_failsafe, () => _loop!.Dynamic, () => _loop!.LastPostgres is { IsRunning: true, IsInRecovery: false }),
            new LeaderReleaseReceiver(_dcs!, _failsafe, () => _loop!.Dynamic.RetryTimeout, () => _loop!.Wakeup(), loggers.CreateLogger<LeaderReleaseReceiver>()));
        _api = new ApiHost(config, _board, sink, time, loggers);
        await _api.StartAsync(stoppingToken).ConfigureAwait(false);

        await StartDcsAsync(stoppingToken).ConfigureAwait(false);
        _started = true;
        await _loop!.RunAsync(stoppingToken).ConfigureAwait(false);
        if (_loop.ExitReason is { } reason)
        {
            LogExiting(_logger, reason);
            Environment.ExitCode = 1;
            lifetime.StopApplication();
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        if (_loop is not null && _started)
        {
            await _loop.ShutdownAsync(cancellationToken).ConfigureAwait(false);
        }

        if (_api is not null)
        {
            await _api.DisposeAsync().ConfigureAwait(false);
        }

        if (_dcs is not null)
        {
            await _dcs.DisposeAsync().ConfigureAwait(false);
        }

        if (_routing is not null)
        {
            await _routing.DisposeAsync().ConfigureAwait(false);
        }

        if (_postgres is not null)
        {
            await _postgres.DisposeAsync().ConfigureAwait(false);
        }

        _fencer?.Dispose();
        _loop?.Dispose();
        _peerHttp?.Dispose();
        _sighup?.Dispose();
    }

    private void Compose()
    {
        var dynamic = DynamicConfigTimeouts.Adjust(config.Bootstrap.Dcs).Config;
        _dcs = new Etcd3Dcs(config, dynamic, loggers.CreateLogger<Etcd3Dcs>(), time);
        _postgres = new PostgresInstance(config, loggers, time);
        _fencer = new ProcessFencer(config.Postgresql.DataDir, new ProcessRunner(loggers.CreateLogger<ProcessRunner>()), time,
            loggers.CreateLogger<ProcessFencer>());
        _watchdog = new WatchdogSet(CreateWatchdog(), _fencer);
        var watchdog = _watchdog;
        _lease = new LeaseClock(time, () => watchdog.ResetDueTimestamp);
        _peerHttp = new HttpClient(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(2), UseProxy = false })
        {
            Timeout = TimeSpan.FromSeconds(5),
        };
        var callbacks = CreateCallbacks();
        var lease = _lease;
        // Patroni's on_reload follows every reload of postgres; the role is what the lock says.
        _postgres.Reloaded += () => callbacks.Fire(CallbackAction.OnReload, lease.Holds ? CallbackRole.Master : CallbackRole.Replica);
        var failsafeClient = new HttpFailsafeClient(_peerHttp, HttpFailsafeClient.Basic(config.RestApi.Authentication?.Username, config.RestApi.Authentication?.Password));
        // Read at start only: a reload does not move the runtime API.
        _routing = config.HaproxyRuntime.Enabled
            ? new RoutingPusher(config.HaproxyRuntime, config.Name, new RuntimeApiClient(), time, loggers.CreateLogger<RoutingPusher>())
            : null;
        var executor = new HaPlanExecutor(_dcs, _postgres, _watchdog, _lease, time, loggers.CreateLogger<HaPlanExecutor>(), _requests,
            callbacks: callbacks, failsafeClient: failsafeClient, routing: _routing,
            releaseClient: new HttpLeaderReleaseClient(_peerHttp, HttpFailsafeClient.Basic(config.RestApi.Authentication?.Username, config.RestApi.Authentication?.Password)));
        _loop = new HaLoop(config, _dcs, _postgres, _watchdog, new HttpPeerStatusClient(_peerHttp), executor, _lease, _board, time,
            loggers.CreateLogger<HaLoop>(), failsafe: _failsafe);
        _postgres.PostmasterExitedUnexpectedly += _loop.Wakeup;
    }

    /// <summary>Scripts run as postgres when the agent is root, as Patroni (run by the postgres user) runs them.</summary>
    private CallbackRunner CreateCallbacks() =>
        new(config.Postgresql.Callbacks, config.Postgresql.PrePromote, config.Scope,
            new ProcessRunner(loggers.CreateLogger<ProcessRunner>()), Posix.IsRoot ? Posix.FindUser("postgres") : null, time,
            loggers.CreateLogger<CallbackRunner>());

    private Watchdog.Watchdog CreateWatchdog()
    {
        var policy = config.Watchdog.Mode switch
        {
            WatchdogMode.Off => WatchdogPolicy.Off,
            WatchdogMode.Required => WatchdogPolicy.Required,
            _ => WatchdogPolicy.Automatic,
        };
        if (policy == WatchdogPolicy.Required && !File.Exists(config.Watchdog.Device))
        {
            // Patroni exits here; we keep serving as a replica so the cluster can say why it has no leader.
            LogWatchdogRequiredMissing(_logger, config.Watchdog.Device);
        }

        return new Watchdog.Watchdog(
            new WatchdogOptions(policy, config.Watchdog.Device, config.Watchdog.SafetyMargin),
            new LinuxWatchdogDevice(config.Watchdog.Device),
            time,
            loggers.CreateLogger<Watchdog.Watchdog>());
    }

    /// <summary>Like Patroni at start-up: block until etcd answers, saying so every few seconds.</summary>
    private async Task StartDcsAsync(CancellationToken ct)
    {
        while (true)
        {
            try
            {
                await _dcs!.StartAsync(ct).ConfigureAwait(false);
                return;
            }
            catch (DcsUnavailableException e)
            {
                LogWaitingOnEtcd(_logger, e.Message);
                await Task.Delay(TimeSpan.FromSeconds(2), time, ct).ConfigureAwait(false);
            }
        }
    }

    private void Reload()
    {
        var reload = ConfigReloader.Read(source.Path, ConfigLoader.ProcessEnvironment());
        if (reload.Config is null)
        {
            LogReloadRejected(_logger, reload.Rejection ?? "unknown");
            return;
        }

        foreach (var warning in reload.Warnings)
        {
            LogConfigWarning(_logger, warning.ToString());
        }

        if (!SameLogSection(config.Log, reload.Config.Log))
        {
            // The log writer is built with the host; Patroni swaps handlers live, NodeAgent needs a restart.
            LogLogSectionNeedsRestart(_logger);
        }

        // Applied by the HA loop between cycles, so a reload never races a running plan.
        LogReloaded(_logger, source.Path ?? "the environment");
        _loop?.Reload(reload.Config);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "starting node-agent {Version} as member {Member} of cluster {Scope}")]
    private static partial void LogStarting(ILogger logger, string member, string scope, string version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "config: {Problem}")]
    private static partial void LogConfigWarning(ILogger logger, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "waiting on etcd: {Reason}")]
    private static partial void LogWaitingOnEtcd(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "exiting: {Reason}")]
    private static partial void LogExiting(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "watchdog mode is required but {Device} does not exist: this node will never take the leader lock")]
    private static partial void LogWatchdogRequiredMissing(ILogger logger, string device);

    [LoggerMessage(Level = LogLevel.Error, Message = "reload rejected, keeping the running config: {Errors}")]
    private static partial void LogReloadRejected(ILogger logger, string errors);

    private static bool SameLogSection(LogConfig a, LogConfig b) =>
        a with { Loggers = b.Loggers } == b && a.Loggers.OrderBy(l => l.Key).SequenceEqual(b.Loggers.OrderBy(l => l.Key));

    [LoggerMessage(Level = LogLevel.Warning, Message = "config: log: the changed log section takes effect when the agent restarts")]
    private static partial void LogLogSectionNeedsRestart(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "reloaded configuration from {Path}")]
    private static partial void LogReloaded(ILogger logger, string path);
}
