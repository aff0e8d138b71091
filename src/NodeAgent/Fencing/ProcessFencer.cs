using Microsoft.Extensions.Logging;
using NodeAgent.Processes;
using NodeAgent.Watchdog;

namespace NodeAgent.Fencing;

/// <summary>
/// Fencing without /dev/watchdog (issue: no split brain). Driven exactly like the watchdog (armed right
/// before promotion, kicked after each successful lock renewal, disarmed on demote, pause and shutdown),
/// but the deadline is enforced by a separate fence process (<see cref="FenceProcess"/>) that stops
/// postgres when the kicks stop, so a frozen or dead agent cannot leave a writable primary past its lease.
/// </summary>
internal sealed partial class ProcessFencer(string dataDir, ProcessRunner runner, TimeProvider time, ILogger<ProcessFencer> logger)
    : IWatchdog, IDisposable
{
    private readonly Lock _gate = new();
    private ChildProcess? _child;
    private TimeSpan? _deadline;
    private DateTimeOffset? _lastKick;
    private string? _error;

    public bool IsHealthy => true;

    public WatchdogState Status
    {
        get
        {
            lock (_gate)
            {
                return new WatchdogState("fence", "postmaster", _deadline is not null, _deadline is { } d ? (int)d.TotalSeconds : null,
                    _lastKick, _error is not null, _error);
            }
        }
    }

    /// <summary>
    /// The fence fires after (ttl + loop_wait) / 2 without a kick: later than any healthy cycle
    /// (loop_wait + retry_timeout, given loop_wait + 2*retry_timeout &lt;= ttl) and well before the lease expires.
    /// </summary>
    public static TimeSpan Deadline(int ttl, int loopWait) => TimeSpan.FromSeconds((ttl + loopWait) / 2.0);

    public bool Activate(int ttl, int loopWait)
    {
        lock (_gate)
        {
            _deadline = Deadline(ttl, loopWait);
            _lastKick = time.GetUtcNow();
            if (Send(FenceCommand.ArmWith(_deadline.Value)))
            {
                LogArmed(logger, _deadline.Value.TotalSeconds);
            }
        }

        return true;
    }

    public void Reconfigure(int ttl, int loopWait)
    {
        lock (_gate)
        {
            if (_deadline is not null && _deadline != Deadline(ttl, loopWait))
            {
                _deadline = Deadline(ttl, loopWait);
                Send(FenceCommand.ArmWith(_deadline.Value));
            }
        }
    }

    public void Keepalive()
    {
        lock (_gate)
        {
            if (_deadline is not null && Send(FenceCommand.Kick))
            {
                _lastKick = time.GetUtcNow();
            }
        }
    }

    public void Disable()
    {
        lock (_gate)
        {
            if (_deadline is null)
            {
                return;
            }

            _deadline = null;
            Send(FenceCommand.Disarm);
            LogDisarmed(logger);
        }
    }

    /// <summary>Clean shutdown: disarm, then close the pipe so the fence process exits without firing.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_child is null)
            {
                return;
            }

            Send(FenceCommand.Disarm);
            try
            {
                _child.StandardInput.Close();
            }
            catch (IOException)
            {
            }

            _child.Dispose();
            _child = null;
        }
    }

    private bool Send(string command)
    {
        try
        {
            var child = EnsureStarted();
            child.StandardInput.WriteLine(command);
            child.StandardInput.Flush();
            _error = null;
            return true;
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            _error = $"fence process unavailable: {e.Message}";
            LogFenceFailed(logger, e.Message);
            _child?.Dispose();
            _child = null;
            return false;
        }
    }

    private ChildProcess EnsureStarted()
    {
        if (_child is { HasExited: false })
        {
            return _child;
        }

        _child?.Dispose();
        var (file, prefix) = SelfCommand();
        _child = runner.Start(new ProcessSpec
        {
            FileName = file,
            Arguments = [.. prefix, "--fence", dataDir],
            LogName = "fence",
            // Its own session: a signal to the agent's process group must not take the fence with it.
            NewSession = true,
            RedirectStandardInput = true,
        });
        return _child;
    }

    /// <summary>The running binary: the native executable, or "dotnet node-agent.dll" under the SDK.</summary>
    private static (string File, string[] Prefix) SelfCommand()
    {
        var path = Environment.ProcessPath ?? "node-agent";
        return Path.GetFileNameWithoutExtension(path) == "dotnet"
            ? (path, [Path.Combine(AppContext.BaseDirectory, "node-agent.dll")])
            : (path, []);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "fence armed: postgres is stopped if the agent stays silent for {Seconds:F1} s")]
    private static partial void LogArmed(ILogger logger, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "fence disarmed")]
    private static partial void LogDisarmed(ILogger logger);

    [LoggerMessage(Level = LogLevel.Error, Message = "fence process unavailable: {Reason}")]
    private static partial void LogFenceFailed(ILogger logger, string reason);
}
