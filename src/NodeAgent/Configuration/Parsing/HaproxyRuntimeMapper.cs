using System.Globalization;

namespace NodeAgent.Configuration.Parsing;

/// <summary>Maps and checks <c>haproxy_runtime</c>: where HAProxy's runtime API listens and what the backends are called.</summary>
internal static class HaproxyRuntimeMapper
{
    public static HaproxyRuntimeConfig Map(ConfigSection s)
    {
        var d = new HaproxyRuntimeConfig();
        var config = new HaproxyRuntimeConfig
        {
            Addresses = s.StringList("address", splitCommas: true) ?? d.Addresses,
            PrimaryBackend = s.String("primary_backend", d.PrimaryBackend),
            ReplicaBackend = s.String("replica_backend", d.ReplicaBackend),
            Server = s.String("server"),
            Timeout = Seconds(s, "timeout", d.Timeout),
        };
        s.ReportUnknownKeys();
        if (s.Json.Count == 0)
        {
            return config;
        }

        if (config.Addresses.Count == 0)
        {
            s.Invalid("address", "required: HAProxy's stats socket (an absolute unix socket path, or host:port)");
        }

        foreach (var address in config.Addresses)
        {
            CheckAddress(s, address);
        }

        CheckName(s, "primary_backend", config.PrimaryBackend, allowEmpty: false);
        CheckName(s, "replica_backend", config.ReplicaBackend, allowEmpty: true);
        if (config.Server is not null)
        {
            CheckName(s, "server", config.Server, allowEmpty: false);
        }

        if (config.PrimaryBackend == config.ReplicaBackend)
        {
            s.Invalid("replica_backend", $"'{config.ReplicaBackend}' is also the primary backend");
        }

        if (config.Timeout is <= 0 or > 60)
        {
            s.Invalid("timeout", $"must be more than 0 and at most 60 seconds, got {config.Timeout.ToString(CultureInfo.InvariantCulture)}");
        }

        return config;
    }

    private static void CheckAddress(ConfigSection s, string address)
    {
        if (address.StartsWith('/'))
        {
            return;
        }

        var colon = address.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(address[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            s.Invalid("address", $"'{address}' is neither an absolute unix socket path nor host:port");
        }
    }

    /// <summary>The runtime API takes names as bare words joined by '/': no spaces, no slash, no ';' (its command separator).</summary>
    private static void CheckName(ConfigSection s, string key, string value, bool allowEmpty)
    {
        if (value.Length == 0 && allowEmpty)
        {
            return;
        }

        if (value.Length == 0 || value.Any(c => char.IsWhiteSpace(c) || c is '/' or ';' or '#'))
        {
            s.Invalid(key, $"'{value}' is not a HAProxy backend or server name");
        }
    }

    private static double Seconds(ConfigSection s, string key, double fallback)
    {
        var node = s.Raw(key);
        if (node is null)
        {
            return fallback;
        }

        if (JsonScalars.TryGetText(node, out var text)
            && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value))
        {
            return value;
        }

        s.Invalid(key, $"expected a number of seconds, got {JsonScalars.Describe(node)}");
        return fallback;
    }
}
