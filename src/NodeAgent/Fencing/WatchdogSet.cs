using NodeAgent.Watchdog;

namespace NodeAgent.Fencing;

/// <summary>The device watchdog and the process fence driven as one: same lifecycle, device's answers.</summary>
internal sealed class WatchdogSet(IWatchdog device, IWatchdog fence) : IWatchdog
{
    public bool IsHealthy => device.IsHealthy;

    public WatchdogState Status => device.Status;

    public WatchdogState FenceStatus => fence.Status;

    public bool Activate(int ttl, int loopWait)
    {
        var armed = device.Activate(ttl, loopWait);
        if (armed)
        {
            fence.Activate(ttl, loopWait);
        }

        return armed;
    }

    public void Keepalive()
    {
        device.Keepalive();
        fence.Keepalive();
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
