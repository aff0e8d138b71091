using System.Globalization;

namespace NodeAgent.Configuration.Parsing;

/// <summary>
/// Maps <c>etcd3</c> and normalises its endpoints to "host:port" the way Patroni's <c>get_etcd_client</c> does:
/// <c>proxy</c> (which also sets use_proxies) or <c>url</c> first, then <c>hosts</c> (a list or "h1:p1,h2:p2",
/// <c>port</c> being the default port), then <c>host</c> (where an explicit <c>port</c> wins).
/// </summary>
internal static class Etcd3ConfigMapper
{
    public const int DefaultPort = 2379;

    public static Etcd3Config Map(ConfigSection s)
    {
        var port = s.OptionalInt("port");
        if (port is < 0 or > 65535)
        {
            s.Invalid("port", $"must be between 0 and 65535, got {port}");
            port = null;
        }

        var protocol = s.String("protocol");
        var proxy = s.String("proxy");
        var url = proxy ?? s.String("url");
        var useProxies = s.Bool("use_proxies", false) || proxy is not null;
        var hosts = new List<string>();

        if (url is not null)
        {
            if (Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Host.Length > 0)
            {
                protocol = uri.Scheme;
                hosts.Add(Join(uri.Host, uri.IsDefaultPort || uri.Port <= 0 ? DefaultPort : uri.Port));
            }
            else
            {
                s.Invalid(proxy is not null ? "proxy" : "url", $"not a URL: '{url}'");
            }
        }
        else if (s.Has("hosts"))
        {
            var entries = s.StringList("hosts", splitCommas: true) ?? [];
            foreach (var entry in entries)
            {
                AddEndpoint(s, "hosts", entry, port ?? DefaultPort, hosts, ref protocol);
            }

            if (entries.Count == 0)
            {
                s.Invalid("hosts", "lists no endpoint");
            }
        }
        else if (s.String("host") is { } host)
        {
            var explicitPort = port;
            AddEndpoint(s, "host", host, DefaultPort, hosts, ref protocol);
            if (explicitPort is { } p && hosts.Count == 1)
            {
                hosts[0] = Join(SplitHostPort(hosts[0], DefaultPort).Host, p);
            }
        }

        s.MarkKnown("url", "proxy", "hosts", "host");
        var d = new Etcd3Config();
        var config = new Etcd3Config
        {
            Hosts = hosts,
            Port = port ?? DefaultPort,
            Url = url,
            Protocol = protocol ?? d.Protocol,
            UseProxies = useProxies,
            Srv = s.String("srv") ?? s.String("discovery_srv") ?? s.String("srv_domain"),
            SrvSuffix = s.String("srv_suffix"),
            Username = s.String("username") ?? s.String("user"),
            Password = s.String("password"),
            CaCert = s.String("cacert"),
            Cert = s.String("cert"),
            Key = s.String("key"),
        };

        if (config.Protocol is not ("http" or "https"))
        {
            s.Invalid("protocol", $"must be http or https, got '{config.Protocol}'");
        }

        if (config.Hosts.Count == 0 && config.Srv is null && !s.Has("hosts") && !s.Has("host") && url is null)
        {
            s.Problems.Add(s.TypeSeverity, s.Path, "no endpoint: set host, hosts, url, proxy or srv");
        }

        s.ReportUnknownKeys();
        return config;
    }

    /// <summary>"h:p", "[v6]:p", "h" (default port), optionally with a scheme prefix.</summary>
    public static (string Host, int? Port) SplitHostPort(string value, int? defaultPort)
    {
        var text = value.Trim();
        var colon = text.LastIndexOf(':');
        if (text.StartsWith('['))
        {
            var close = text.IndexOf(']', StringComparison.Ordinal);
            if (close > 0)
            {
                var host6 = text[1..close];
                var rest = text[(close + 1)..];
                return rest.StartsWith(':') && int.TryParse(rest[1..], NumberStyles.None, CultureInfo.InvariantCulture, out var p6)
                    ? (host6, p6)
                    : (host6, rest.Length == 0 ? defaultPort : null);
            }
        }

        if (colon < 0 || text.IndexOf(':', StringComparison.Ordinal) != colon)
        {
            // No port, or a bare IPv6 address.
            return (text, defaultPort);
        }

        return int.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port)
            ? (text[..colon], port)
            : (text[..colon], null);
    }

    private static void AddEndpoint(ConfigSection s, string key, string entry, int defaultPort, List<string> hosts, ref string? protocol)
    {
        var text = entry.Trim();
        var scheme = text.IndexOf("://", StringComparison.Ordinal);
        if (scheme > 0)
        {
            protocol ??= text[..scheme];
            text = text[(scheme + 3)..].TrimEnd('/');
        }

        var (host, port) = SplitHostPort(text, defaultPort);
        if (!IsHost(host) || port is null or < 1 or > 65535)
        {
            s.Invalid(key, $"'{entry}' is not host:port (a host name or address, and a port 1..65535)");
            return;
        }

        hosts.Add(Join(host, port.Value));
    }

    /// <summary>A host name (underscores allowed, as container names have them) or an address; no spaces, no stray colons.</summary>
    private static bool IsHost(string host) =>
        host.Contains(':', StringComparison.Ordinal)
            ? System.Net.IPAddress.TryParse(host, out var address) && address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
            : host.Length > 0 && host.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_');

    private static string Join(string host, int port) =>
        (host.Contains(':', StringComparison.Ordinal) ? "[" + host.Trim('[', ']') + "]" : host) + ":" + port.ToString(CultureInfo.InvariantCulture);
}
