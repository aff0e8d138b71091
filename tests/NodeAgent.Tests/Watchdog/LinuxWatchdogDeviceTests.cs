using System.Runtime.InteropServices;
using NodeAgent.Watchdog;

namespace NodeAgent.Tests.Watchdog;

/// <summary>
/// Counts this process's descriptors open on the device path: counting all of them raced with tests running in
/// parallel (CI: 174 before, 172 after), so these run alone too.
/// </summary>
[Collection(DescriptorCountingSequence.Name)]
public sealed class LinuxWatchdogDeviceTests
{
    private static int OpenDescriptors(string path = "/dev/null") =>
        Directory.GetFiles("/proc/self/fd").Count(fd => Target(fd) == path);

    private static string? Target(string fd)
    {
        try
        {
            return new FileInfo(fd).LinkTarget;
        }
        catch (IOException)
        {
            return null; // closed meanwhile (e.g. the directory listing's own descriptor)
        }
    }

    [Fact]
    public void Ioctl_numbers_match_the_linux_encoding()
    {
        Assert.Equal(Architecture.X64, RuntimeInformation.ProcessArchitecture);
        Assert.Equal((nuint)0x80285700, LinuxIoctl.GetSupport);
        Assert.Equal((nuint)0xC0045706, LinuxIoctl.SetTimeout);
        Assert.Equal((nuint)0x80045707, LinuxIoctl.GetTimeout);
    }

    [Fact]
    public void Dev_null_is_not_a_watchdog_and_the_descriptor_is_released()
    {
        var before = OpenDescriptors();
        var device = new LinuxWatchdogDevice("/dev/null");

        device.Open();
        Assert.True(device.IsOpen);
        var e = Assert.Throws<WatchdogDeviceException>(() => device.GetSupport());

        Assert.Equal(25, e.Errno); // ENOTTY
        Assert.Contains("not a watchdog device", e.Message, StringComparison.Ordinal);
        Assert.False(device.IsOpen);
        Assert.Equal(before, OpenDescriptors());
    }

    [Fact]
    public void Missing_path_fails_to_open_without_leaking()
    {
        var before = OpenDescriptors("/dev/no-such-watchdog");
        var device = new LinuxWatchdogDevice("/dev/no-such-watchdog");

        var e = Assert.Throws<WatchdogDeviceException>(device.Open);

        Assert.Equal(2, e.Errno); // ENOENT
        Assert.Contains("does not exist", e.Message, StringComparison.Ordinal);
        Assert.False(device.IsOpen);
        Assert.False(device.IsWritable);
        Assert.Equal(before, OpenDescriptors("/dev/no-such-watchdog"));
    }

    [Fact]
    public void Facade_over_dev_null_reports_the_error_and_leaks_nothing()
    {
        var before = OpenDescriptors();
        var device = new LinuxWatchdogDevice("/dev/null");
        var watchdog = new NodeAgent.Watchdog.Watchdog(
            new WatchdogOptions(WatchdogPolicy.Required, "/dev/null"), device, TimeProvider.System, new ListLogger<NodeAgent.Watchdog.Watchdog>());

        Assert.True(watchdog.IsHealthy); // exists and writable, as Patroni checks it
        Assert.False(watchdog.Activate(30, 10, new LeaseDeadline(TimeProvider.System.GetTimestamp(), TimeSpan.FromSeconds(29))));

        Assert.True(watchdog.Status.Failed);
        Assert.Contains("not a watchdog device", watchdog.Status.Error, StringComparison.Ordinal);
        Assert.Equal(before, OpenDescriptors());
    }

    [Fact]
    public void Magic_close_on_dev_null_writes_and_closes()
    {
        var before = OpenDescriptors();
        var device = new LinuxWatchdogDevice("/dev/null");

        device.Open();
        device.Keepalive();
        device.MagicClose();

        Assert.False(device.IsOpen);
        Assert.Equal(before, OpenDescriptors());
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DescriptorCountingSequence
{
    public const string Name = "Descriptor counting";
}
