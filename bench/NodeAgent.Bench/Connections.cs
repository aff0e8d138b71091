using Npgsql;

namespace NodeAgent.Bench;

/// <summary>Connections as the seed's applications see them: user postgres, password secret, no pooling
/// (a reconnect must really reconnect), short timeouts so an unreachable server costs one tick, not seconds.
/// No GSS encryption: Npgsql's default (Prefer) looks an IP host up by reverse DNS before every connect, a query that
/// leaves loopback and that no connect timeout cuts short when the DNS server does not answer.</summary>
internal static class Connections
{
    public static string For(string host, int port = 5432) => new NpgsqlConnectionStringBuilder
    {
        Host = host,
        Port = port,
        Username = "postgres",
        Password = "secret",
        Database = "postgres",
        Pooling = false,
        Timeout = 1,
        CommandTimeout = 2,
        ApplicationName = "node-agent-bench",
        GssEncryptionMode = GssEncryptionMode.Disable,
    }.ConnectionString;

    /// <summary>For the checks after an incident (not the client under test): patient, so a loaded machine does not fail them.</summary>
    public static string ForCheck(string host) => new NpgsqlConnectionStringBuilder(For(host))
    {
        Timeout = 10,
        CommandTimeout = 60,
    }.ConnectionString;

    /// <summary>Npgsql can overrun its own timeouts on a frozen server; this bounds an attempt hard.</summary>
    public static readonly TimeSpan AttemptBudget = TimeSpan.FromSeconds(3);

    public static (string Host, int Port) Parse(string target)
    {
        var colon = target.LastIndexOf(':');
        return colon < 0 ? (target, 5432) : (target[..colon], int.Parse(target[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture));
    }
}
