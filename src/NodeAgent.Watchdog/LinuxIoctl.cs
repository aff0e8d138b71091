using System.Runtime.InteropServices;

namespace NodeAgent.Watchdog;

/// <summary>
/// The Linux _IOC encoding for the running architecture. Most architectures use 14 size bits and 2 direction
/// bits (read = 2, write = 1); PowerPC, MIPS, SPARC and Alpha use 13 size bits and 3 direction bits (read = 2, write = 4).
/// </summary>
internal static class LinuxIoctl
{
    private const uint NrShift = 0;
    private const uint TypeShift = 8;
    private const uint SizeShift = 16;
    private const byte WatchdogType = (byte)'W';

    /// <summary>sizeof(struct watchdog_info): u32 options, u32 firmware_version, u8 identity[32].</summary>
    public const int WatchdogInfoSize = 40;

    public static nuint GetSupport => Read(0, WatchdogInfoSize);

    public static nuint SetTimeout => ReadWrite(6, sizeof(int));

    public static nuint GetTimeout => Read(7, sizeof(int));

    private static bool AltLayout => RuntimeInformation.ProcessArchitecture == Architecture.Ppc64le;

    private static uint ReadDir => 2;

    private static uint WriteDir => AltLayout ? 4u : 1u;

    private static uint DirShift => AltLayout ? 29u : 30u;

    private static nuint Read(uint nr, int size) => Encode(ReadDir, nr, size);

    private static nuint ReadWrite(uint nr, int size) => Encode(ReadDir | WriteDir, nr, size);

    private static nuint Encode(uint dir, uint nr, int size) =>
        (nuint)((dir << (int)DirShift) | ((uint)size << (int)SizeShift) | ((uint)WatchdogType << (int)TypeShift) | (nr << (int)NrShift));
}
