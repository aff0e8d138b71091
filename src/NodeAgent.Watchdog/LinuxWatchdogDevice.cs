using System.Runtime.InteropServices;

namespace NodeAgent.Watchdog;

/// <summary>
/// /dev/watchdog through libc: open(O_WRONLY|O_CLOEXEC), ioctl, write, close (Patroni's watchdog/linux.py).
/// O_CLOEXEC keeps the descriptor out of postgres and every other child, so only this process can kick or close it.
/// </summary>
public sealed partial class LinuxWatchdogDevice : IWatchdogDevice
{
    private const int OWronly = 0x1;
    private const int OCloexec = 0x80000;
    private const int WOk = 2;
    private const int Enoent = 2;
    private const int Eacces = 13;
    private const int Ebusy = 16;
    private const int Enotty = 25;

    private int _fd = -1;

    public LinuxWatchdogDevice(string path)
    {
        Path = path;
    }

    public string Path { get; }

    public bool IsOpen => _fd >= 0;

    public bool IsWritable => Access(Path, WOk) == 0;

    public void Open()
    {
        if (IsOpen)
        {
            return;
        }

        var fd = OpenFile(Path, OWronly | OCloexec);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new WatchdogDeviceException(errno switch
            {
                Enoent => $"watchdog device {Path} does not exist",
                Eacces => $"no permission to open watchdog device {Path}",
                Ebusy => $"watchdog device {Path} is already in use by another process",
                _ => $"cannot open watchdog device {Path}: {Marshal.GetPInvokeErrorMessage(errno)}",
            }, errno);
        }

        _fd = fd;
    }

    public unsafe WatchdogSupport GetSupport()
    {
        var info = stackalloc byte[LinuxIoctl.WatchdogInfoSize];
        var errno = Ioctl(LinuxIoctl.GetSupport, info);
        if (errno == Enotty)
        {
            // Not a watchdog at all (e.g. /dev/null): nothing to disarm, just release the descriptor.
            CloseDescriptor();
            throw new WatchdogDeviceException($"{Path} is not a watchdog device", errno);
        }

        ThrowIfFailed(errno, "WDIOC_GETSUPPORT");
        return (WatchdogSupport)(*(uint*)info);
    }

    public unsafe void SetTimeout(int seconds)
    {
        var value = seconds;
        ThrowIfFailed(Ioctl(LinuxIoctl.SetTimeout, &value), "WDIOC_SETTIMEOUT");
    }

    public unsafe int GetTimeout()
    {
        var value = 0;
        ThrowIfFailed(Ioctl(LinuxIoctl.GetTimeout, &value), "WDIOC_GETTIMEOUT");
        return value;
    }

    public void Keepalive() => WriteByte((byte)'1', "keepalive");

    public void MagicClose()
    {
        if (!IsOpen)
        {
            return;
        }

        try
        {
            WriteByte((byte)'V', "magic close");
        }
        finally
        {
            CloseDescriptor();
        }
    }

    private unsafe void WriteByte(byte value, string what)
    {
        EnsureOpen();
        var written = Write(_fd, &value, 1);
        if (written != 1)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new WatchdogDeviceException($"{what} on {Path} failed: {Marshal.GetPInvokeErrorMessage(errno)}", errno);
        }
    }

    private unsafe int Ioctl(nuint request, void* arg)
    {
        EnsureOpen();
        return IoctlCall(_fd, request, arg) < 0 ? Marshal.GetLastPInvokeError() : 0;
    }

    private void ThrowIfFailed(int errno, string what)
    {
        if (errno != 0)
        {
            throw new WatchdogDeviceException($"{what} on {Path} failed: {Marshal.GetPInvokeErrorMessage(errno)}", errno);
        }
    }

    private void EnsureOpen()
    {
        if (!IsOpen)
        {
            throw new WatchdogDeviceException($"watchdog device {Path} is not open");
        }
    }

    private void CloseDescriptor()
    {
        var fd = _fd;
        _fd = -1;
        if (fd >= 0)
        {
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenFile(string path, int flags);

    [LibraryImport("libc", EntryPoint = "access", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Access(string path, int mode);

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static unsafe partial int IoctlCall(int fd, nuint request, void* arg);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static unsafe partial nint Write(int fd, byte* buffer, nint count);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
