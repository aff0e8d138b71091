using NodeAgent.Watchdog;

namespace NodeAgent.Tests.Component;

/// <summary>
/// A watchdog device on the test clock: records every call with its time and says when the kernel would reset the
/// machine (last ping + timeout, while open and not magic-closed). Can be absent, like a host without /dev/watchdog.
/// </summary>
internal sealed class ClockedWatchdogDevice(TimeProvider time, bool exists = true) : IWatchdogDevice
{
    private long? _lastPing;

    public List<(long At, string Call)> Calls { get; } = [];

    public string Path => exists ? "/dev/watchdog" : "/dev/watchdog-missing";

    public bool IsOpen { get; private set; }

    public bool IsWritable => exists;

    public int Timeout { get; private set; } = 60;

    /// <summary>Timestamp of the reset the kernel would do; null while the device is closed.</summary>
    public long? ResetAt => IsOpen && _lastPing is { } ping ? ping + TimeSpan.FromSeconds(Timeout).Ticks : null;

    public void Open()
    {
        Record("Open");
        if (!exists)
        {
            throw new WatchdogDeviceException($"Can't open watchdog device {Path}: No such file or directory");
        }

        IsOpen = true;
        _lastPing = time.GetTimestamp();
    }

    public WatchdogSupport GetSupport() => WatchdogSupport.SetTimeout | WatchdogSupport.MagicClose | WatchdogSupport.KeepalivePing;

    public void SetTimeout(int seconds)
    {
        Record($"SetTimeout({seconds})");
        Timeout = seconds;
        _lastPing = time.GetTimestamp();
    }

    public int GetTimeout() => Timeout;

    public void Keepalive()
    {
        Record("Keepalive");
        _lastPing = time.GetTimestamp();
    }

    public void MagicClose()
    {
        Record("MagicClose");
        IsOpen = false;
    }

    private void Record(string call) => Calls.Add((time.GetTimestamp(), call));
}
