using NodeAgent.Watchdog;

namespace NodeAgent.Fencing;

/// <summary>The device watchdog and the process fence driven as one: same lifecycle, device's answers.</summary>
internal sealed class WatchdogSet(IWatchdog device, IWatchdog fence) : IWatchdog
{
    public bool IsHealthy => device.IsHealthy;

    public WatchdogState Status => device.Status;

    public WatchdogState? FenceStatus => fence.Status;

    public long? ResetDueTimestamp => device.ResetDueTimestamp;

    /// <summary>Promotion needs both: the device as its mode requires, and the fence always (it fails closed).</summary>
    public bool Activate(int ttl, int loopWait, LeaseDeadline deadline)
    {
        if (!device.Activate(ttl, loopWait, deadline))
        {
            return false;
        }

        if (!fence.Activate(ttl, loopWait, deadline))
        {
            device.Disable();
            return false;
        }

        return true;
    }

    public void Keepalive(LeaseDeadline deadline)
    {
        device.Keepalive(deadline);
        fence.Keepalive(deadline);
    }

    public void Disable()
    {
        device.Disable();
        fence.Disable();
    }

    public void Reconfigure(int ttl, int loopWait)
    {
        device.Reconfigure(ttl, loopWait);
        fence.Reconfigure(ttl, loopWait);
    }
}
