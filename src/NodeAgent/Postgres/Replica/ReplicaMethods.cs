using NodeAgent.Configuration;

namespace NodeAgent.Postgres.Replica;

/// <summary>One way to create the data dir, in the order it is tried. <see cref="Custom"/> is null for pg_basebackup.</summary>
internal sealed record ReplicaMethod(string Name, ReplicaMethodConfig? Custom)
{
    public bool IsBasebackup => Custom is null;
}

/// <summary>
/// The pure part of bootstrap.py:create_replica: which methods are tried, in which order, and the command line of a custom
/// one. Methods run as the postgres user; the first that exits 0 wins, a failure falls through to the next.
/// </summary>
internal static class ReplicaMethods
{
    public const string Basebackup = "basebackup";

    /// <summary>
    /// The methods to try. An empty list means basebackup; with no source to clone from only the methods marked
    /// <c>no_leader</c> (or <c>no_master</c>) remain. A method with no section (or no command) was reported at load and is skipped.
    /// </summary>
    public static IReadOnlyList<ReplicaMethod> Order(PostgresqlConfig config, bool hasSource)
    {
        ArgumentNullException.ThrowIfNull(config);
        var names = config.CreateReplicaMethods.Count > 0 ? config.CreateReplicaMethods : [Basebackup];
        var result = new List<ReplicaMethod>();
        foreach (var name in names)
        {
            if (name == Basebackup)
            {
                if (hasSource)
                {
                    result.Add(new ReplicaMethod(name, null));
                }
            }
            else if (config.ReplicaMethods.TryGetValue(name, out var custom) && (hasSource || custom.NoLeader))
            {
                result.Add(new ReplicaMethod(name, custom));
            }
        }

        return result;
    }

    /// <summary>postgresql/__init__.py:can_create_replica_without_replication_connection.</summary>
    public static bool CanWorkWithoutLeader(PostgresqlConfig config) => Order(config, hasSource: false).Count > 0;

    /// <summary>
    /// The command's words (shlex.split) then --key=value for each key of its section but <c>command</c>, as written;
    /// without <c>no_params</c> also --scope, --role=replica, --datadir and --connstring (a key of the section with one
    /// of those names keeps its place and takes the agent's value, as Python's dict.update does). With <c>no_params</c>
    /// the section's other keys are still passed, but not no_params, no_leader, no_master and keep_data.
    /// </summary>
    public static IReadOnlyList<string> CommandLine(ReplicaMethodConfig method, string scope, string dataDir, string connString)
    {
        ArgumentNullException.ThrowIfNull(method);
        var words = new List<string>(Processes.ShellWords.Split(method.Command));
        if (words.Count == 0)
        {
            throw new FormatException("empty command");
        }

        var parameters = new List<KeyValuePair<string, string>>(method.Params);
        if (method.NoParams)
        {
            parameters.RemoveAll(p => p.Key is "no_params" or "no_master" or "no_leader" or "keep_data");
        }
        else
        {
            Update(parameters, "scope", scope);
            Update(parameters, "role", "replica");
            Update(parameters, "datadir", dataDir);
            Update(parameters, "connstring", connString);
        }

        words.AddRange(parameters.Select(p => "--" + p.Key + "=" + p.Value));
        return words;
    }

    /// <summary>
    /// The source as Patroni's format_dsn(conn_kwargs(replication), include_dbname=True) writes it: dbname from the
    /// member's conn_url, the replication user, host, port and the ssl settings that are set; never the password
    /// (it travels in PGPASSFILE). Empty when there is no source.
    /// </summary>
    public static string ConnString(UpstreamTarget? source, PostgresUser replication, string database)
    {
        ArgumentNullException.ThrowIfNull(replication);
        if (source is null)
        {
            return "";
        }

        var (host, port) = ConnInfo.HostPort(source.ConnUrl);
        var path = new Uri(source.ConnUrl).AbsolutePath.TrimStart('/');
        return ConnInfo.Format(
        [
            new("dbname", path.Length > 0 ? Uri.UnescapeDataString(path) : database),
            new("user", replication.Username),
            new("host", host),
            new("port", port.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new("sslmode", replication.SslMode),
            new("sslcert", replication.SslCert),
            new("sslkey", replication.SslKey),
            new("sslpassword", replication.SslPassword),
            new("sslrootcert", replication.SslRootCert),
            new("sslcrl", replication.SslCrl),
            new("sslcrldir", replication.SslCrlDir),
            new("gssencmode", replication.GssEncMode),
            new("channel_binding", replication.ChannelBinding),
        ]);
    }

    private static void Update(List<KeyValuePair<string, string>> parameters, string key, string value)
    {
        var at = parameters.FindIndex(p => p.Key == key);
        if (at >= 0)
        {
            parameters[at] = new(key, value);
        }
        else
        {
            parameters.Add(new(key, value));
        }
    }
}
