namespace NodeAgent.Watchdog;

/// <summary>A device call failed; <see cref="Errno"/> is the Linux error number when there is one.</summary>
public sealed class WatchdogDeviceException : Exception
{
    public WatchdogDeviceException()
    {
    }

    public WatchdogDeviceException(string message)
        : base(message)
    {
    }

    public WatchdogDeviceException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public WatchdogDeviceException(string message, int errno)
        : base(message)
    {
        Errno = errno;
    }

    public int Errno { get; }
}
