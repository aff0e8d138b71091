using NodeAgent.Watchdog;

namespace NodeAgent.Tests.Component;

internal sealed class FakeWatchdog : IWatchdog
{
    public bool Armed { get; private set; }
    public int Keepalives { get; private set; }

    /// <summary>The deadline of the last activation or kick.</summary>
    public LeaseDeadline? LastDeadline { get; private set; }
    public bool IsHealthy { get; set; } = true;

    public WatchdogState Status => new("automatic", "/dev/fake-watchdog", Armed, Armed ? 25 : null, null, !IsHealthy, null);

    /// <summary>Runs as arming starts (what the health checks answer then).</summary>
    public Action? OnActivate { get; set; }

    public bool Activate(int ttl, int loopWait, LeaseDeadline deadline)
    {
        OnActivate?.Invoke();
        Armed = IsHealthy;
        LastDeadline = deadline;
        return Armed;
    }

    public void Keepalive(LeaseDeadline deadline)
    {
        if (Armed)
        {
            Keepalives++;
            LastDeadline = deadline;
        }
    }

    public void Disable() => Armed = false;

    public void Reconfigure(int ttl, int loopWait)
    {
    }
}
