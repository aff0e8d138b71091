using NodeAgent.IntegrationTests.Fixtures;

namespace NodeAgent.IntegrationTests.Chaos;

/// <summary>The iproute2 and iptables binaries the chaos lab needs (a missing one fails the suite loudly).</summary>
internal static class Ip
{
    public static string Path => RequiredBinary.Require(First("/usr/sbin/ip", "/usr/bin/ip", "/sbin/ip"), "iproute2");

    public static string Iptables => RequiredBinary.Require(First("/usr/sbin/iptables", "/sbin/iptables"), "iptables");

    public static Task<string> RunAsync(IEnumerable<string> arguments, CancellationToken cancellationToken = default) =>
        CommandRunner.RunAsync(Path, arguments, null, cancellationToken);

    /// <summary>Cleanup: best effort, a failure is ignored (the object may be half created).</summary>
    public static void RunQuietly(IEnumerable<string> arguments)
    {
        try
        {
            RunAsync(arguments).GetAwaiter().GetResult();
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    private static string First(params string[] candidates) => candidates.FirstOrDefault(File.Exists) ?? candidates[0];
}
