using Microsoft.Extensions.Logging;
using NodeAgent.Processes;

namespace NodeAgent.Postgres;

/// <summary>
/// Owns the postmaster: starts <c>postgres -D</c> directly as our child in its own session (no pg_ctl),
/// adopts a running one only after checking postmaster.pid against the live process, maps stop modes to signals
/// in one place and turns an unexpected exit into an observation (<see cref="TakeCrashed"/>), not an exception.
/// </summary>
internal sealed partial class Postmaster
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    // A stop is short and the takeover (the lock handover after a demotion) waits on its end. Not the child's exit task:
    // it also waits for postgres' output pipes to close, which the logging collector holds a little longer.
    private static readonly TimeSpan StopPollInterval = TimeSpan.FromMilliseconds(20);
    private readonly PostgresPaths _paths;
    private readonly OsUser? _user;
    private readonly ProcessRunner _runner;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private ChildProcess? _child;
    private int? _adoptedPid;
    private bool _stopRequested;
    private bool _crashed;
    private ChildProcess? _exitNoted;

    public Postmaster(PostgresPaths paths, OsUser? user, ProcessRunner runner, ILogger<Postmaster> logger, TimeProvider time)
    {
        _paths = paths;
        _user = user;
        _runner = runner;
        _logger = logger;
        _time = time;
    }

    /// <summary>PID of our (or the adopted) postmaster while it lives.</summary>
    public int? Pid
    {
        get
        {
            lock (_gate)
            {
                RefreshAdopted();
                return _child is { HasExited: false } c ? c.Pid : _adoptedPid;
            }
        }
    }

    public bool IsRunning => Pid is not null;

    /// <summary>True once per unexpected exit since the last call.</summary>
    public bool TakeCrashed()
    {
        lock (_gate)
        {
            RefreshAdopted();
            var crashed = _crashed;
            _crashed = false;
            return crashed;
        }
    }

    /// <summary>
    /// Adopts a postmaster left running by a previous agent: postmaster.pid names a live process whose argv is
    /// postgres on this data dir. Stale pid files are left for postgres itself to handle.
    /// </summary>
    public bool TryAdopt()
    {
        lock (_gate)
        {
            var wasAdopted = _adoptedPid is not null;
            var running = TryAdoptUnlocked();
            if (!wasAdopted && _adoptedPid is { } pid)
            {
                _stopRequested = false;
                LogAdopted(pid, _paths.DataDir);
            }

            return running;
        }
    }

    /// <summary>Starts postgres with the given command-line GUCs. Refuses when a postmaster already runs on the data dir.</summary>
    public void Start(IReadOnlyList<string> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        lock (_gate)
        {
            if (TryAdoptUnlocked())
            {
                throw new InvalidOperationException($"a postmaster already runs on {_paths.DataDir}");
            }

            var args = new List<string> { "-D", _paths.DataDir, "--config-file=" + _paths.PostgresqlConf };
            args.AddRange(options);
            var child = _runner.Start(new ProcessSpec
            {
                FileName = _paths.Binary("postgres"),
                Arguments = args,
                RunAs = _user,
                NewSession = true,
                WorkingDirectory = _paths.DataDir,
                LogName = "postgres",
                MaxCapturedLines = 200,
                Environment = new Dictionary<string, string?> { ["PGDATA"] = _paths.DataDir },
            });
            _child?.Dispose();
            _child = child;
            _stopRequested = false;
            _ = WatchAsync(child);
        }
    }

    /// <summary>Waits until postmaster.pid says "ready"/"standby"; false if postgres exits or the timeout passes.</summary>
    public Task<bool> WaitReadyAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
        WaitForStatusAsync(timeout, f => f.IsReady, cancellationToken);

    /// <summary>
    /// Up means listening (postmaster.pid says "starting" once its sockets are open): what Patroni's
    /// wait_for_port_open waits for. A replica may need WAL from its leader (e.g. through a slot that the leader
    /// creates only when it sees our member key) before it accepts connections, so waiting for that would hang.
    /// </summary>
    public Task<bool> WaitUpAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
        WaitForStatusAsync(timeout, f => f.Status is not null, cancellationToken);

    private async Task<bool> WaitForStatusAsync(TimeSpan timeout, Func<PostmasterPidFile, bool> reached, CancellationToken cancellationToken)
    {
        var deadline = _time.GetTimestamp() + (long)(timeout.TotalSeconds * _time.TimestampFrequency);
        while (_time.GetTimestamp() < deadline)
        {
            var pid = Pid;
            if (pid is null)
            {
                return false;
            }

            if (PostmasterPidFile.TryRead(_paths.DataDir) is { } file && file.Pid == pid && reached(file))
            {
                return true;
            }

            await Task.Delay(PollInterval, _time, cancellationToken);
        }

        return false;
    }

    /// <summary>
    /// Stops with the mode's signal; when it does not finish within <paramref name="timeout"/> the next harsher
    /// mode follows (smart -> fast -> immediate -> SIGKILL), so a stop is always bounded.
    /// </summary>
    public async Task<bool> StopAsync(StopMode mode, TimeSpan timeout, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _stopRequested = true;
        }

        var signals = Escalation(mode);
        foreach (var signal in signals)
        {
            var pid = Pid;
            if (pid is null)
            {
                return true;
            }

            LogStopping(pid.Value, signal.ToString());
            Posix.Signal(pid.Value, signal);
            if (await WaitExitAsync(timeout, cancellationToken))
            {
                LogStopped(pid.Value);
                return true;
            }

            LogStopSlow(pid.Value, timeout.TotalSeconds, signal.ToString());
        }

        return Pid is null;
    }

    /// <summary>SIGHUP: postgres rereads its config files.</summary>
    public bool Reload() => Pid is { } pid && Posix.Signal(pid, PosixSignalKind.Hangup);

    /// <summary>The signal for each stop mode, in one place.</summary>
    internal static IReadOnlyList<PosixSignalKind> Escalation(StopMode mode) => mode switch
    {
        StopMode.Smart => [PosixSignalKind.Terminate, PosixSignalKind.Interrupt, PosixSignalKind.Quit, PosixSignalKind.Kill],
        StopMode.Fast => [PosixSignalKind.Interrupt, PosixSignalKind.Quit, PosixSignalKind.Kill],
        StopMode.Immediate => [PosixSignalKind.Quit, PosixSignalKind.Kill],
        _ => throw new ArgumentOutOfRangeException(nameof(mode)),
    };

    private async Task<bool> WaitExitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = _time.GetTimestamp() + (long)(timeout.TotalSeconds * _time.TimestampFrequency);
        while (Pid is not null)
        {
            if (_time.GetTimestamp() >= deadline)
            {
                return false;
            }

            await Task.Delay(StopPollInterval, _time, cancellationToken);
        }

        return true;
    }

    private async Task WatchAsync(ChildProcess child)
    {
        await child.WaitForExitAsync(CancellationToken.None).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        lock (_gate)
        {
            if (!ReferenceEquals(child, _child))
            {
                return;
            }

            // Noted here or already by an observation: either way it was not asked for.
            NoteChildExitUnlocked();
            if (_stopRequested)
            {
                return;
            }
        }

        // The HA loop should not wait up to loop_wait to notice: a crashed primary is an outage.
        UnexpectedExit?.Invoke();
    }

    // Must hold _gate. The child's exit is visible (HasExited) before WatchAsync's continuation runs: whoever looks
    // first records it, once per child, so an observation never sees "not running" without "crashed".
    private void NoteChildExitUnlocked()
    {
        if (_child is not { HasExited: true } child || ReferenceEquals(child, _exitNoted))
        {
            return;
        }

        _exitNoted = child;
        if (!_stopRequested)
        {
            _crashed = true;
            LogUnexpectedExit(child.Pid, child.ExitCode);
        }
    }

    /// <summary>Raised (outside any lock) when our postmaster exits without being asked to.</summary>
    public event Action? UnexpectedExit;

    // Must hold _gate. An adopted postmaster is not our child: its exit is seen by polling /proc.
    private void RefreshAdopted()
    {
        NoteChildExitUnlocked();
        if (_adoptedPid is { } pid && !Posix.IsAlive(pid))
        {
            _adoptedPid = null;
            if (!_stopRequested)
            {
                _crashed = true;
                LogUnexpectedExit(pid, -1);
            }
        }
    }

    private bool TryAdoptUnlocked()
    {
        RefreshAdopted();
        if (_child is { HasExited: false } || _adoptedPid is not null)
        {
            return true;
        }

        var pidFile = PostmasterPidFile.TryRead(_paths.DataDir);
        if (pidFile is null || !IsOurPostmaster(pidFile.Pid))
        {
            return false;
        }

        _adoptedPid = pidFile.Pid;
        return true;
    }

    // The PID is alive and its argv is "postgres ... -D <our data dir>" (a reused PID would not match).
    private bool IsOurPostmaster(int pid)
    {
        if (!Posix.IsAlive(pid))
        {
            return false;
        }

        var argv = Posix.CommandLine(pid);
        if (argv.Count == 0 || Path.GetFileName(argv[0]) is not ("postgres" or "postmaster"))
        {
            return false;
        }

        for (var i = 1; i < argv.Count; i++)
        {
            var dir = argv[i] == "-D" && i + 1 < argv.Count ? argv[i + 1]
                : argv[i].StartsWith("-D", StringComparison.Ordinal) && argv[i].Length > 2 ? argv[i][2..] : null;
            if (dir is not null && Path.GetFullPath(dir).TrimEnd('/') == _paths.DataDir.TrimEnd('/'))
            {
                return true;
            }
        }

        return false;
    }
}
