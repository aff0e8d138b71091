using Microsoft.Extensions.Logging;
using NodeAgent.Processes;
using NodeAgent.Watchdog;

namespace NodeAgent.Fencing;

/// <summary>
/// Fencing without /dev/watchdog: driven like the watchdog (armed right before promotion, kicked after each successful
/// lock renewal, disarmed on demote, pause and shutdown), but the deadline is enforced by a separate fence process
/// (<see cref="FenceProcess"/>) that stops postgres when the lease deadline passes without a newer renewal, so a frozen
/// or dead agent cannot leave a writable primary past its lease. It fails closed: arming that cannot reach the fence
/// process returns false (no promotion), and a fence process that dies while armed is started again at once, armed with
/// the deadline it had.
/// </summary>
internal sealed partial class ProcessFencer(string dataDir, ProcessRunner runner, TimeProvider time, ILogger<ProcessFencer> logger)
    : IWatchdog, IDisposable
{
    /// <summary>A fence process that keeps dying is not restarted more often than this.</summary>
    private static readonly TimeSpan RestartBackoff = TimeSpan.FromSeconds(1);

    private readonly Lock _gate = new();
    private ChildProcess? _child;
    private long? _startedAt;
    private LeaseDeadline? _deadline;
    private DateTimeOffset? _lastKick;
    private string? _error;
    private bool _disposed;

    public bool IsHealthy => true;

    public WatchdogState Status
    {
        get
        {
            lock (_gate)
            {
                var armed = _deadline is not null && _error is null;
                return new WatchdogState("fence", "postmaster", armed, _deadline is { } d ? (int)d.ValidFor.TotalSeconds : null,
                    _lastKick, _error is not null, _error);
            }
        }
    }

    public bool Activate(int ttl, int loopWait, LeaseDeadline deadline)
    {
        lock (_gate)
        {
            _deadline = deadline;
            _lastKick = time.GetUtcNow();
            if (Send(FenceCommand.ArmWith(deadline, time)))
            {
                LogArmed(logger, deadline.Remaining(time.GetTimestamp(), time.TimestampFrequency).TotalSeconds);
                return true;
            }

            // Not armed, not promoted: a primary without its fence would outlive a frozen agent's lease.
            _deadline = null;
            return false;
        }
    }

    /// <summary>The deadline comes with each kick, from the lease in force: nothing to reconfigure.</summary>
    public void Reconfigure(int ttl, int loopWait)
    {
    }

    public void Keepalive(LeaseDeadline deadline)
    {
        lock (_gate)
        {
            if (_deadline is null)
            {
                return;
            }

            _deadline = deadline;
            if (Send(FenceCommand.KickWith(deadline, time)))
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
            _disposed = true;
            if (_child is null)
            {
                return;
            }

            _deadline = null;
            Write(_child, FenceCommand.Disarm);
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

    /// <summary>Sends one command, starting the fence process first when it is not running (armed, if we are).</summary>
    private bool Send(string command)
    {
        try
        {
            var child = EnsureStarted();
            if (!Write(child, command))
            {
                // It died since we last looked: once more with a new one, which EnsureStarted arms.
                DropChild();
                child = EnsureStarted();
                if (!Write(child, command))
                {
                    throw new IOException("the fence process does not read its commands");
                }
            }

            _error = null;
            return true;
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            _error = $"fence process unavailable: {e.Message}";
            LogFenceFailed(logger, e.Message);
            DropChild();
            return false;
        }
    }

    private static bool Write(ChildProcess child, string command)
    {
        try
        {
            child.StandardInput.WriteLine(command);
            child.StandardInput.Flush();
            return !child.HasExited;
        }
        catch (IOException)
        {
            return false;
        }
    }

    private ChildProcess EnsureStarted()
    {
        if (_child is { HasExited: false })
        {
            return _child;
        }

        DropChild();
        var (file, prefix) = SelfCommand();
        var child = runner.Start(new ProcessSpec
        {
            FileName = file,
            Arguments = [.. prefix, "--fence", dataDir],
            LogName = "fence",
            // Its own session: a signal to the agent's process group must not take the fence with it.
            NewSession = true,
            RedirectStandardInput = true,
        });
        _child = child;
        _startedAt = time.GetTimestamp();
        // A fence started while we lead is armed before anything else, with the deadline that remains.
        if (_deadline is { } deadline && !Write(child, FenceCommand.ArmWith(deadline, time)))
        {
            throw new IOException("the new fence process exited at once");
        }

        _ = WatchExitAsync(child);
        return child;
    }

    /// <summary>A fence process that dies (OOM killer, a stray kill) while armed is replaced at once, not at the next kick.</summary>
    private async Task WatchExitAsync(ChildProcess child)
    {
        await child.WaitForExitAsync(CancellationToken.None).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        TimeSpan wait;
        lock (_gate)
        {
            if (_disposed || _child != child)
            {
                return;
            }

            LogFenceExited(logger, child.Pid, _deadline is not null);
            DropChild();
            if (_deadline is null)
            {
                return;
            }

            wait = RestartBackoff - time.GetElapsedTime(_startedAt ?? 0);
        }

        // Until it runs again (or we stop leading): a leader whose kicks stopped (etcd away) must not stay unfenced.
        while (true)
        {
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, time).ConfigureAwait(false);
            }

            lock (_gate)
            {
                if (_disposed || _child is not null || _deadline is not { } deadline)
                {
                    return;
                }

                if (Send(FenceCommand.ArmWith(deadline, time)))
                {
                    LogRearmed(logger, deadline.Remaining(time.GetTimestamp(), time.TimestampFrequency).TotalSeconds);
                    return;
                }
            }

            wait = RestartBackoff;
        }
    }

    private void DropChild()
    {
        _child?.Dispose();
        _child = null;
    }

    /// <summary>The running binary: the native executable, or "dotnet node-agent.dll" under the SDK.</summary>
    private static (string File, string[] Prefix) SelfCommand()
    {
        var path = Environment.ProcessPath ?? "node-agent";
        return Path.GetFileNameWithoutExtension(path) == "dotnet"
            ? (path, [Path.Combine(AppContext.BaseDirectory, "node-agent.dll")])
            : (path, []);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "fence armed: postgres is stopped unless the leader lock is renewed within {Seconds:F1} s")]
    private static partial void LogArmed(ILogger logger, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "fence process restarted and armed again: postgres is stopped unless the leader lock is renewed within {Seconds:F1} s")]
    private static partial void LogRearmed(ILogger logger, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "fence disarmed")]
    private static partial void LogDisarmed(ILogger logger);

    [LoggerMessage(Level = LogLevel.Error, Message = "fence process unavailable: {Reason}")]
    private static partial void LogFenceFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "fence process {Pid} exited (armed: {Armed})")]
    private static partial void LogFenceExited(ILogger logger, int pid, bool armed);
}
