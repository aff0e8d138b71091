using System.Net;
using System.Net.Sockets;

namespace NodeAgent.Postgres.Relay;

/// <summary>The TCP endpoints postgres itself would listen on for <c>listen_addresses</c> and <c>port</c>.</summary>
internal static class ListenEndpoints
{
    /// <summary>
    /// "*" is every IPv4 and IPv6 address (postgres binds 0.0.0.0 and :: apart); a name is each address it resolves to.
    /// A name that does not resolve is left out, as postgres leaves it out with a warning.
    /// </summary>
    public static IReadOnlyList<IPEndPoint> Of(string listenAddresses, int port)
    {
        ArgumentNullException.ThrowIfNull(listenAddresses);
        var endpoints = new List<IPEndPoint>();
        foreach (var raw in listenAddresses.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var part = raw.Trim('"');
            if (part == "*")
            {
                endpoints.Add(new IPEndPoint(IPAddress.Any, port));
                endpoints.Add(new IPEndPoint(IPAddress.IPv6Any, port));
            }
            else if (IPAddress.TryParse(part, out var address))
            {
                endpoints.Add(new IPEndPoint(address, port));
            }
            else
            {
                endpoints.AddRange(Resolve(part).Select(a => new IPEndPoint(a, port)));
            }
        }

        return [.. endpoints.Distinct()];
    }

    // On the demotion path: a resolver that does not answer within a second leaves the name out (its clients are refused).
    private static readonly TimeSpan ResolveTimeout = TimeSpan.FromSeconds(1);

    private static IPAddress[] Resolve(string name)
    {
        try
        {
            var lookup = Dns.GetHostAddressesAsync(name);
            return lookup.Wait(ResolveTimeout) ? lookup.Result : [];
        }
        catch (AggregateException e) when (e.InnerException is SocketException)
        {
            return [];
        }
    }
}
