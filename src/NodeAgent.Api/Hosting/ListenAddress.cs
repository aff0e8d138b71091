using System.Globalization;
using System.Net;

namespace NodeAgent.Api.Hosting;

/// <summary>Patroni's <c>split_host_port</c> for restapi.listen: "host:port", "[::1]:8008", "*:8008", ":8008".</summary>
public sealed record ListenAddress(string Host, int Port)
{
    public static ListenAddress Parse(string listen)
    {
        var colon = listen.LastIndexOf(':');
        if (colon < 0 || !int.TryParse(listen.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
        {
            throw new FormatException($"Invalid \"restapi\" config: expected <HOST>:<PORT> for \"listen\", but got \"{listen}\"");
        }

        var host = listen[..colon].Trim('[', ']');
        return new ListenAddress(host, port);
    }

    /// <summary>The addresses to bind: wildcard hosts bind every interface, names are resolved.</summary>
    public IReadOnlyList<IPAddress> Resolve()
    {
        if (Host is "" or "*" or "0.0.0.0")
        {
            return [IPAddress.Any];
        }

        if (Host == "::")
        {
            return [IPAddress.IPv6Any];
        }

        return IPAddress.TryParse(Host, out var ip) ? [ip] : Dns.GetHostAddresses(Host);
    }
}
