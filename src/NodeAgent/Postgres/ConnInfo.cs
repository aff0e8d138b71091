using System.Globalization;
using System.Text;

namespace NodeAgent.Postgres;

/// <summary>libpq conninfo building (primary_conninfo, pg_basebackup --dbname) from a member's conn_url.</summary>
internal static class ConnInfo
{
    /// <summary>Host and port of "postgres://host:port/db" (Patroni's member conn_url).</summary>
    public static (string Host, int Port) HostPort(string connUrl)
    {
        ArgumentNullException.ThrowIfNull(connUrl);
        if (!Uri.TryCreate(connUrl, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
        {
            throw new FormatException($"not a postgres URL: '{connUrl}'");
        }

        var host = uri.Host.Trim('[', ']');
        return (host, uri.Port > 0 ? uri.Port : 5432);
    }

    /// <summary>"key=value" pairs joined by spaces; values escaped the libpq way (backslash before ' \ and space).</summary>
    public static string Format(IEnumerable<KeyValuePair<string, string?>> pairs)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        var sb = new StringBuilder();
        foreach (var (key, value) in pairs)
        {
            if (value is null)
            {
                continue;
            }

            if (sb.Length > 0)
            {
                sb.Append(' ');
            }

            sb.Append(key).Append('=');
            if (value.Length == 0)
            {
                sb.Append("''");
                continue;
            }

            foreach (var c in value)
            {
                if (c is '\'' or '\\' or ' ')
                {
                    sb.Append('\\');
                }

                sb.Append(c);
            }
        }

        return sb.ToString();
    }

    /// <summary>Replication conninfo to an upstream: user, password, host, port, application_name and the ssl settings.</summary>
    public static List<KeyValuePair<string, string?>> ForReplication(
        string connUrl, NodeAgent.Configuration.PostgresUser user, string applicationName, bool includePassword)
    {
        ArgumentNullException.ThrowIfNull(user);
        var (host, port) = HostPort(connUrl);
        return
        [
            new("user", user.Username),
            new("password", includePassword ? user.Password : null),
            new("host", host),
            new("port", port.ToString(CultureInfo.InvariantCulture)),
            new("sslmode", user.SslMode ?? "prefer"),
            new("sslkey", user.SslKey),
            new("sslpassword", user.SslPassword),
            new("sslcert", user.SslCert),
            new("sslrootcert", user.SslRootCert),
            new("sslcrl", user.SslCrl),
            new("sslcrldir", user.SslCrlDir),
            new("application_name", applicationName),
            new("gssencmode", user.GssEncMode ?? "prefer"),
            new("channel_binding", user.ChannelBinding ?? "prefer"),
        ];
    }
}
