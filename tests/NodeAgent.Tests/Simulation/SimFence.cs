using NodeAgent.Watchdog;

namespace NodeAgent.Tests.Simulation;

/// <summary>
/// The fence process of one agent incarnation (Fencing/FenceProcess), driven through the agent's real
/// <see cref="IWatchdog"/> calls: armed and kicked with the lease deadline (the renewal's time plus what the lease
/// allows), it kills postgres once that deadline passes without a newer one (checked on its 100 ms poll), and at once
/// when the agent dies while it is armed (pipe closed). It is a separate process: a frozen agent does not freeze it.
/// It reads the machine's monotonic clock, the one the agent's renewal timestamps come from.
/// </summary>
internal sealed class SimFence(HaSimulation sim, SimNode node) : IWatchdog
{
    private const double PollSeconds = 0.1;
    private LeaseDeadline? _deadline;

    public bool IsHealthy => true;

    public bool Armed => _deadline is not null;

    public WatchdogState Status => new("fence", "postmaster", Armed, _deadline is { } d ? (int)d.ValidFor.TotalSeconds : null, null, false, null);

    public bool Activate(int ttl, int loopWait, LeaseDeadline deadline)
    {
        Arm(deadline);
        return true;
    }

    public void Reconfigure(int ttl, int loopWait)
    {
    }

    public void Keepalive(LeaseDeadline deadline)
    {
        if (_deadline is not null)
        {
            Arm(deadline);
        }
    }

    public void Disable() => _deadline = null;

    /// <summary>The agent process is gone: the pipe closes, an armed fence fires now.</summary>
    public void AgentDied()
    {
        if (_deadline is not null)
        {
            _deadline = null;
            node.Postgres.Kill("fence: the agent closed the fence pipe while leading");
        }
    }

    private void Arm(LeaseDeadline deadline)
    {
        sim.Scheduler.OnSimThread();
        _deadline = deadline;
        var due = node.Clock.ToShared(deadline.DueTimestamp(TimeSpan.TicksPerSecond)) + SimScheduler.Ticks(sim.Uniform(0, PollSeconds));
        sim.Scheduler.At(Math.Max(due, sim.Scheduler.Now), Poll);
    }

    private void Poll()
    {
        if (_deadline is { } deadline && node.Clock.GetTimestamp() >= deadline.DueTimestamp(TimeSpan.TicksPerSecond) && node.Fence == this)
        {
            _deadline = null;
            node.Postgres.Kill($"fence: the leader lock was not renewed within {deadline.ValidFor.TotalSeconds:F1} s");
        }
    }
}

/// <summary>
/// /dev/watchdog of one machine under the real <see cref="Watchdog"/> facade: once opened, the machine resets when
/// no keepalive came within the timeout; a magic close stops it. It belongs to the machine, not the agent: an agent
/// killed without the magic close leaves it ticking, as the kernel does.
/// </summary>
internal sealed class SimWatchdogDevice(HaSimulation sim, SimNode node) : IWatchdogDevice
{
    private int _timeout = 60;
    private long _last;

    public string Path => "/dev/sim-watchdog";

    public bool IsOpen { get; private set; }

    public bool IsWritable => true;

    public void Open()
    {
        IsOpen = true;
        Keepalive();
    }

    public WatchdogSupport GetSupport() => WatchdogSupport.SetTimeout | WatchdogSupport.MagicClose | WatchdogSupport.KeepalivePing;

    public void SetTimeout(int seconds)
    {
        _timeout = seconds;
        Keepalive();
    }

    public int GetTimeout() => _timeout;

    public void Keepalive()
    {
        _last = sim.Scheduler.Now;
        sim.Scheduler.At(_last + SimScheduler.Ticks(_timeout), Check);
    }

    public void MagicClose() => IsOpen = false;

    /// <summary>The machine rebooted: the device starts closed.</summary>
    public void Reset() => IsOpen = false;

    private void Check()
    {
        if (IsOpen && sim.Scheduler.Now - _last >= SimScheduler.Ticks(_timeout))
        {
            IsOpen = false;
            sim.Log($"{node.Name}: watchdog timer expired, machine reset");
            sim.CrashMachine(node, "watchdog reset");
        }
    }
}
