using System.Globalization;

namespace NodeAgent.Fencing;

/// <summary>
/// <c>node-agent --fence DATA_DIR</c>: a tiny process beside the agent that stops a primary whose agent stopped
/// feeding it (frozen, hung, killed), before its lease can expire and another node is promoted. It does not
/// depend on the agent's loop, threads or GC: only on the kernel delivering a pipe and a signal.
/// It sends postgres SIGQUIT (immediate shutdown): writes stop at once and nothing is lost that was
/// acknowledged; the agent, when it wakes, finds postgres stopped and rejoins as a replica.
/// </summary>
internal sealed class FenceProcess(string dataDir, TextReader input, TextWriter log, TimeProvider time)
{
    /// <summary>Past its deadline the fence looks this often for a postmaster that appears.</summary>
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(100);

    private readonly Lock _gate = new();
    private long? _dueMs;
    private bool _inputClosed;
    private (long Due, int? Pid)? _said;
    private TaskCompletionSource? _wake;

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var reader = Task.Run(() => ReadCommands(cancellationToken), cancellationToken);
        while (!cancellationToken.IsCancellationRequested)
        {
            TaskCompletionSource wake;
            lock (_gate)
            {
                // Replaced before the look: a command that comes after it completes this one and wakes the wait below.
                wake = _wake = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            if (Check())
            {
                return 0;
            }

            // It sleeps until the deadline or a command that changes it, not on a fixed poll: an idle leader's fence used to
            // wake ten times a second (0.12 s CPU per idle minute, as much as the agent itself).
            using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var delay = Task.Delay(NextWait(), time, timer.Token);
            await Task.WhenAny(wake.Task, delay).ConfigureAwait(false);
            await timer.CancelAsync().ConfigureAwait(false);
        }

        await reader.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        return 0;
    }

    /// <summary>Until the deadline when armed, the tick once past it, no limit when disarmed (a command wakes it).</summary>
    internal TimeSpan NextWait()
    {
        lock (_gate)
        {
            if (_dueMs is not { } due)
            {
                return Timeout.InfiniteTimeSpan;
            }

            var left = due - FenceCommand.Milliseconds(time.GetTimestamp(), time);
            return left > 0 ? TimeSpan.FromMilliseconds(left) : Tick;
        }
    }

    /// <summary>
    /// True when the fence process should exit (input closed). Past its deadline the fence stays armed: a postmaster
    /// that appears before a newer renewal's kick is stopped too, and that kick is still honoured.
    /// </summary>
    internal bool Check()
    {
        string? reason = null;
        bool closed;
        long due = 0;
        lock (_gate)
        {
            closed = _inputClosed;
            if (_dueMs is { } armed)
            {
                due = armed;
                // On the monotonic clock: a fence thawed after a freeze sees at its first look a deadline that passed meanwhile.
                var late = FenceCommand.Milliseconds(time.GetTimestamp(), time) - armed;
                if (closed)
                {
                    reason = "the agent closed the fence pipe while leading";
                    _dueMs = null;
                }
                else if (late >= 0)
                {
                    reason = string.Create(CultureInfo.InvariantCulture, $"the leader lock was not renewed in time (deadline passed {late / 1000.0:F1} s ago)");
                }
            }
        }

        if (reason is not null)
        {
            FenceNow(reason, due);
        }

        return closed;
    }

    internal void Apply(string line)
    {
        var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0)
        {
            return;
        }

        lock (_gate)
        {
            var before = _dueMs;
            switch (parts[0])
            {
                case FenceCommand.Arm when FenceCommand.TryParseDue(parts, out var due):
                    _dueMs = due;
                    break;
                // The latest renewal's deadline, even an earlier one: a lease with a shorter ttl now holds the key.
                case FenceCommand.Kick when _dueMs is not null && FenceCommand.TryParseDue(parts, out var due):
                    _dueMs = due;
                    break;
                case FenceCommand.Kick:
                    break;
                case FenceCommand.Disarm:
                    _dueMs = null;
                    break;
                default:
                    Say($"fence: ignoring unknown command '{line}'");
                    break;
            }

            // A kick that moves the deadline later needs no wake-up: the wait ends at the earlier one and looks again.
            if (_dueMs != before && (before is null || _dueMs is null || _dueMs < before))
            {
                _wake?.TrySetResult();
            }
        }
    }

    private void ReadCommands(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            var line = input.ReadLine();
            if (line is null)
            {
                break;
            }

            Apply(line);
        }

        lock (_gate)
        {
            _inputClosed = true;
            _wake?.TrySetResult();
        }
    }

    private void FenceNow(string reason, long due)
    {
        var pid = PostmasterPid.Read(dataDir);
        // Looked at every tick while past due: say each outcome once per deadline and postmaster, not ten times a second.
        var said = _said == (due, pid);
        _said = (due, pid);
        if (pid is null)
        {
            if (!said)
            {
                Say($"fence: {reason}; no running postmaster for {dataDir}, nothing to stop");
            }

            return;
        }

        var sent = PostmasterPid.SendImmediateShutdown(pid.Value);
        if (!said)
        {
            Say(sent
                ? $"fence: {reason}; sent immediate shutdown to postmaster {pid} so this node stops accepting writes before its lease expires"
                : $"fence: {reason}; could not signal postmaster {pid}");
        }
    }

    /// <summary>The log is the agent's pipe: a dead agent must not take the fence down with EPIPE.</summary>
    private void Say(string message)
    {
        try
        {
            log.WriteLine(message);
            log.Flush();
        }
        catch (IOException)
        {
        }
    }
}
