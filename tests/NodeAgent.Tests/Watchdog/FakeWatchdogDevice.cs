using NodeAgent.Watchdog;

namespace NodeAgent.Tests.Watchdog;

/// <summary>Records every device call in order; can pretend to be missing, limited or failing.</summary>
internal sealed class FakeWatchdogDevice : IWatchdogDevice
{
    private int _timeout = 60;

    public List<string> Calls { get; } = [];

    public string Path { get; init; } = "/dev/fake-watchdog";

    public bool Exists { get; set; } = true;

    public WatchdogSupport Support { get; set; } = WatchdogSupport.SetTimeout | WatchdogSupport.MagicClose | WatchdogSupport.KeepalivePing;

    /// <summary>When set, the device ignores SetTimeout and reports this value (a hardware limit).</summary>
    public int? FixedTimeout { get; set; }

    public bool FailKeepalive { get; set; }

    public bool IsOpen { get; private set; }

    public bool IsWritable => Exists;

    public void Open()
    {
        Calls.Add("Open");
        if (!Exists)
        {
            throw new WatchdogDeviceException($"watchdog device {Path} does not exist", 2);
        }

        IsOpen = true;
    }

    public WatchdogSupport GetSupport()
    {
        Calls.Add("GetSupport");
        return Support;
    }

    public void SetTimeout(int seconds)
    {
        Calls.Add($"SetTimeout({seconds})");
        _timeout = seconds;
    }

    public int GetTimeout()
    {
        Calls.Add("GetTimeout");
        return FixedTimeout ?? _timeout;
    }

    public void Keepalive()
    {
        Calls.Add("Keepalive");
        if (FailKeepalive)
        {
            throw new WatchdogDeviceException("keepalive failed: Input/output error", 5);
        }
    }

    public void MagicClose()
    {
        Calls.Add("MagicClose");
        IsOpen = false;
    }
}
