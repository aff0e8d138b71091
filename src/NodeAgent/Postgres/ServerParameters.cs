using System.Globalization;
using NodeAgent.Configuration;

namespace NodeAgent.Postgres;

/// <summary>
/// The GUCs postgres runs with, merged by the rules of <c>postgresql/config.py:ConfigHandler</c>: dynamic parameters, overridden by
/// local ones except the command-line GUCs, which come only from the dynamic config (invalid values fall back to
/// defaults); listen_addresses/port from postgresql.listen; cluster_name = scope; hot_standby and wal_log_hints on.
/// </summary>
internal static class ServerParameters
{
    private const int DefaultPort = 5432;

    /// <summary>GUCs always passed on the postgres command line, so ALTER SYSTEM cannot change them.</summary>
    public static readonly IReadOnlyList<string> CommandLineNames =
    [
        "listen_addresses", "port", "cluster_name", "wal_level", "hot_standby", "max_connections", "max_wal_senders",
        "max_prepared_transactions", "max_locks_per_transaction", "track_commit_timestamp", "max_replication_slots",
        "max_worker_processes", "wal_log_hints",
    ];

    // Defaults and validity checks of the cmdline GUCs (Patroni ConfigHandler.CMDLINE_OPTIONS).
    private static readonly Dictionary<string, (string Default, Func<string, bool> IsValid)> Rules =
        new(StringComparer.OrdinalIgnoreCase)
        {
            ["wal_level"] = ("hot_standby", v => v.ToLowerInvariant() is "hot_standby" or "replica" or "logical"),
            ["hot_standby"] = ("on", _ => false),
            ["max_connections"] = ("100", v => IntAtLeast(v, 25)),
            ["max_wal_senders"] = ("10", v => IntAtLeast(v, 3)),
            ["max_prepared_transactions"] = ("0", v => IntAtLeast(v, 0)),
            ["max_locks_per_transaction"] = ("64", v => IntAtLeast(v, 32)),
            ["track_commit_timestamp"] = ("off", v => ParseBool(v) is not null),
            ["max_replication_slots"] = ("10", v => IntAtLeast(v, 4)),
            ["max_worker_processes"] = ("8", v => IntAtLeast(v, 2)),
            ["wal_log_hints"] = ("on", _ => false),
        };

    private static readonly HashSet<string> Derived = new(StringComparer.OrdinalIgnoreCase)
    {
        "listen_addresses", "port", "cluster_name", "wal_keep_segments", "wal_keep_size",
    };

    /// <summary>The merged parameters, sorted by name (case-insensitive keys).</summary>
    public static SortedDictionary<string, string> Merge(DynamicPostgresqlConfig dynamic, PostgresqlConfig local, string scope)
    {
        ArgumentNullException.ThrowIfNull(dynamic);
        ArgumentNullException.ThrowIfNull(local);
        var result = new SortedDictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, rule) in Rules)
        {
            result[name] = rule.Default;
        }

        foreach (var (name, value) in dynamic.Parameters)
        {
            if (Rules.TryGetValue(name, out var rule))
            {
                if (rule.IsValid(value))
                {
                    result[name] = value;
                }
            }
            else if (!IsDerived(name))
            {
                result[name] = value;
            }
        }

        foreach (var (name, value) in local.Parameters)
        {
            if (!Rules.ContainsKey(name) && !IsDerived(name))
            {
                result[name] = value;
            }
        }

        var (hosts, port) = SplitListen(local.Listen);
        result["listen_addresses"] = hosts;
        result["port"] = port.ToString(CultureInfo.InvariantCulture);
        result["cluster_name"] = scope;
        if (string.Equals(result["wal_level"], "hot_standby", StringComparison.OrdinalIgnoreCase))
        {
            result["wal_level"] = "replica";
        }

        result["wal_keep_size"] = WalKeepSize(dynamic.Parameters);
        return result;
    }

    /// <summary>"h1,h2:5433" -> ("h1,h2", 5433); no port -> 5432.</summary>
    public static (string Hosts, int Port) SplitListen(string listen)
    {
        ArgumentNullException.ThrowIfNull(listen);
        var colon = listen.LastIndexOf(':');
        if (colon < 0 || listen.EndsWith(']'))
        {
            return (listen, DefaultPort);
        }

        return int.TryParse(listen.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port)
            ? (listen[..colon], port)
            : (listen, DefaultPort);
    }

    /// <summary>The directory postgres puts its unix socket in: first absolute entry of unix_socket_directories.</summary>
    public static string SocketDirectory(IReadOnlyDictionary<string, string> merged, string fallback)
    {
        ArgumentNullException.ThrowIfNull(merged);
        if (merged.TryGetValue("unix_socket_directories", out var dirs))
        {
            foreach (var d in dirs.Split(','))
            {
                if (d.Trim().StartsWith('/'))
                {
                    return d.Trim();
                }
            }
        }

        return fallback;
    }

    private static bool IsDerived(string name) => Derived.Contains(name);

    // Dynamic only (a cmdline-class GUC in Patroni). PG 13+ has no wal_keep_segments: converted assuming
    // 16MB segments, default 8 segments = 128MB.
    private static string WalKeepSize(IReadOnlyDictionary<string, string> dynamic)
    {
        if (dynamic.TryGetValue("wal_keep_size", out var size) && !string.IsNullOrWhiteSpace(size))
        {
            return size;
        }

        var segments = dynamic.TryGetValue("wal_keep_segments", out var s)
            && int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= 1 ? n : 8;
        return (segments * 16).ToString(CultureInfo.InvariantCulture) + "MB";
    }

    private static bool IntAtLeast(string value, int min) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= min;

    internal static bool? ParseBool(string value) => value.Trim().ToLowerInvariant() switch
    {
        "on" or "true" or "yes" or "1" or "t" or "y" => true,
        "off" or "false" or "no" or "0" or "f" or "n" => false,
        _ => null,
    };
}
