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
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(100);

    private readonly Lock _gate = new();
    private TimeSpan? _deadline;
    private long _lastKick;
    private bool _inputClosed;

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var reader = Task.Run(() => ReadCommands(cancellationToken), cancellationToken);
        while (!cancellationToken.IsCancellationRequested)
        {
            if (Check())
            {
                return 0;
            }

            await Task.Delay(Tick, time, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        await reader.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        return 0;
    }

    /// <summary>True when the fence process should exit (input closed).</summary>
    internal bool Check()
    {
        string? reason = null;
        bool closed;
        lock (_gate)
        {
            closed = _inputClosed;
            if (_deadline is { } deadline)
            {
                var silent = time.GetElapsedTime(_lastKick);
                if (closed)
                {
                    reason = "the agent closed the fence pipe while leading";
                }
                else if (silent >= deadline)
                {
                    reason = string.Create(CultureInfo.InvariantCulture, $"no keepalive from the agent for {silent.TotalSeconds:F1} s (deadline {deadline.TotalSeconds:F1} s)");
                }

                if (reason is not null)
                {
                    _deadline = null;
                }
            }
        }

        if (reason is not null)
        {
            FenceNow(reason);
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
            switch (parts[0])
            {
                case FenceCommand.Arm when parts.Length == 2 && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var ms):
                    _deadline = TimeSpan.FromMilliseconds(ms);
                    _lastKick = time.GetTimestamp();
                    break;
                case FenceCommand.Kick:
                    _lastKick = time.GetTimestamp();
                    break;
                case FenceCommand.Disarm:
                    _deadline = null;
                    break;
                default:
                    Say($"fence: ignoring unknown command '{line}'");
                    break;
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
        }
    }

    private void FenceNow(string reason)
    {
        var pid = PostmasterPid.Read(dataDir);
        if (pid is null)
        {
            Say($"fence: {reason}; no running postmaster for {dataDir}, nothing to stop");
            return;
        }

        var sent = PostmasterPid.SendImmediateShutdown(pid.Value);
        Say(sent
            ? $"fence: {reason}; sent immediate shutdown to postmaster {pid} so this node stops accepting writes before its lease expires"
            : $"fence: {reason}; could not signal postmaster {pid}");
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
