using System.Net;
using System.Net.Sockets;

namespace NodeAgent.IntegrationTests.Fixtures;

/// <summary>
/// Hands out distinct loopback addresses for one test run. The second and third octets are random per
/// process so that parallel runs by other people on the same machine rarely meet on the same address;
/// the whole 127.0.0.0/8 answers on Linux without configuration.
/// </summary>
public static class LoopbackAddresses
{
    private static readonly Lock Gate = new();
    private static readonly HashSet<(string, int)> GivenPorts = [];
    private static readonly int Second = Random.Shared.Next(100, 250);
    private static int _third = Random.Shared.Next(2, 250);
    private static int _fourth;

    /// <summary>A loopback address not handed out before in this process, e.g. "127.173.41.3".</summary>
    public static string Next()
    {
        lock (Gate)
        {
            _fourth++;
            if (_fourth > 254)
            {
                _fourth = 1;
                _third = _third >= 254 ? 2 : _third + 1;
            }
            return $"127.{Second}.{_third}.{_fourth}";
        }
    }

    /// <summary>A TCP port free on <paramref name="address"/> right now and not handed out before in this process.</summary>
    public static int FreePort(string address)
    {
        ArgumentNullException.ThrowIfNull(address);
        var ip = IPAddress.Parse(address);
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var listener = new TcpListener(ip, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            lock (Gate)
            {
                if (GivenPorts.Add((address, port)))
                {
                    return port;
                }
            }
        }
        throw new InvalidOperationException($"no free TCP port found on {address}");
    }
}
