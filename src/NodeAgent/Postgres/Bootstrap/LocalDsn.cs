using System.Globalization;
using NodeAgent.Configuration;

namespace NodeAgent.Postgres.Bootstrap;

/// <summary>
/// The superuser's connection string a post_bootstrap script gets as its last argument: Patroni's
/// format_dsn(local_connect_kwargs, include_dbname=True), without the password (it travels in PGPASSFILE).
/// </summary>
internal static class LocalDsn
{
    /// <summary>Host and port as config.py:resolve_connection_addresses picks them for local connections.</summary>
    public static (string Host, string Port) Address(IReadOnlyDictionary<string, string> parameters, bool useUnixSocket)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var port = parameters.TryGetValue("port", out var p) ? p : "5432";
        var tcp = TcpHost(parameters.TryGetValue("listen_addresses", out var listen) ? listen : "localhost");
        if (useUnixSocket && parameters.TryGetValue("unix_socket_directories", out var dirs))
        {
            var socket = dirs.Split(',').Select(d => d.Trim()).FirstOrDefault(d => d.StartsWith('/'));
            return (socket ?? tcp, port);
        }

        return (tcp, port);
    }

    public static string Format(IReadOnlyDictionary<string, string> parameters, bool useUnixSocket, PostgresUser superuser, string database)
    {
        ArgumentNullException.ThrowIfNull(superuser);
        var (host, port) = Address(parameters, useUnixSocket);
        return ConnInfo.Format(
        [
            new("dbname", database),
            new("user", superuser.Username),
            new("host", host),
            new("port", port),
            new("sslmode", superuser.SslMode),
            new("sslcert", superuser.SslCert),
            new("sslkey", superuser.SslKey),
            new("sslpassword", superuser.SslPassword),
            new("sslrootcert", superuser.SslRootCert),
            new("sslcrl", superuser.SslCrl),
            new("sslcrldir", superuser.SslCrlDir),
            new("gssencmode", superuser.GssEncMode),
            new("channel_binding", superuser.ChannelBinding),
        ]);
    }

    /// <summary>config.py:_get_tcp_local_address: localhost when listening on it or everywhere, else the first address.</summary>
    private static string TcpHost(string listenAddresses)
    {
        var addresses = listenAddresses.Split(',').Select(a => a.Trim()).ToArray();
        return addresses.Any(a => a.ToLowerInvariant() is "*" or "0.0.0.0" or "127.0.0.1" or "localhost")
            ? "localhost"
            : addresses[0];
    }

    /// <summary>Port as an int for the pgpass line.</summary>
    public static int PortNumber(string port) => int.Parse(port, CultureInfo.InvariantCulture);
}
