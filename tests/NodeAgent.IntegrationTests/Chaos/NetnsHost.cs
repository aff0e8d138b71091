using System.Diagnostics;
using System.Globalization;
using NodeAgent.IntegrationTests.Fixtures;

namespace NodeAgent.IntegrationTests.Chaos;

/// <summary>
/// One host of a <see cref="NetnsLab"/>: its own network namespace with eth0 on the lab bridge. Processes
/// are started inside it through <c>ip netns exec</c>, which execs the program: the child's PID is the
/// program's own, so signals reach it directly.
/// </summary>
public sealed class NetnsHost(string name, string ns, string address)
{
    public string Name { get; } = name;

    public string Namespace { get; } = ns;

    public string Address { get; } = address;

    /// <summary>Starts <paramref name="program"/> inside this namespace with output appended to <paramref name="logPath"/>.</summary>
    public ChildProcess Start(string program, IEnumerable<string> arguments, string logPath, Action<ProcessStartInfo>? configure = null) =>
        ChildProcess.Start(Ip.Path, ["netns", "exec", Namespace, program, .. arguments], logPath, configure);

    /// <summary>Runs a short command inside this namespace; throws with its output if it fails.</summary>
    public Task<string> RunAsync(string program, IEnumerable<string> arguments, CancellationToken cancellationToken = default) =>
        CommandRunner.RunAsync(Ip.Path, ["netns", "exec", Namespace, program, .. arguments], null, cancellationToken);

    /// <summary>True if a TCP connection from inside this namespace to <paramref name="address"/>:<paramref name="port"/> opens within 1 s.</summary>
    public async Task<bool> CanConnectAsync(string address, int port, CancellationToken cancellationToken = default)
    {
        var timeout = RequiredBinary.Require("/usr/bin/timeout", "coreutils");
        var bash = RequiredBinary.Require("/usr/bin/bash", "bash");
        try
        {
            await RunAsync(timeout, ["1", bash, "-c", "exec 3<>\"/dev/tcp/$0/$1\"", address, port.ToString(CultureInfo.InvariantCulture)], cancellationToken);
            return true;
        }
        catch (InvalidOperationException)
        {
            // Refused, unreachable, or dropped until the timeout.
            return false;
        }
    }

    /// <summary>Full partition: the host's only link goes down (its processes keep running).</summary>
    public Task LinkDownAsync() => Ip.RunAsync(["-n", Namespace, "link", "set", "eth0", "down"]);

    public Task LinkUpAsync() => Ip.RunAsync(["-n", Namespace, "link", "set", "eth0", "up"]);

    /// <summary>Partial partition: every packet from and to <paramref name="peers"/> is dropped in this namespace.</summary>
    public async Task BlockAsync(IEnumerable<string> peers)
    {
        foreach (var peer in peers)
        {
            await RunAsync(Ip.Iptables, ["-w", "-A", "OUTPUT", "-d", peer, "-j", "DROP"]);
            await RunAsync(Ip.Iptables, ["-w", "-A", "INPUT", "-s", peer, "-j", "DROP"]);
        }
    }

    /// <summary>Removes every rule <see cref="BlockAsync"/> added (the namespace has no others).</summary>
    public async Task UnblockAsync()
    {
        await RunAsync(Ip.Iptables, ["-w", "-F", "OUTPUT"]);
        await RunAsync(Ip.Iptables, ["-w", "-F", "INPUT"]);
    }

    public override string ToString() => $"{Name} ({Address}, netns {Namespace})";
}
