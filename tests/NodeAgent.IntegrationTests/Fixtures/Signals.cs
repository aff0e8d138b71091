using System.Runtime.InteropServices;

namespace NodeAgent.IntegrationTests.Fixtures;

/// <summary>POSIX signals by PID: SIGSTOP/SIGCONT are the cheapest way to simulate a hung peer.</summary>
public static partial class Signals
{
    public const int SigHup = 1;
    public const int SigKill = 9;
    public const int SigTerm = 15;
    public const int SigQuit = 3;
    public const int SigInt = 2;
    public const int SigStop = 19;
    public const int SigCont = 18;

    /// <summary>Sends <paramref name="signal"/> to <paramref name="pid"/>; false if the process is gone.</summary>
    public static bool Send(int pid, int signal) => NativeKill(pid, signal) == 0;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int NativeKill(int pid, int signal);
}
