namespace NodeAgent.Postgres;

/// <summary>Turns Patroni-style option lists ("data-checksums", "encoding=UTF8") into command-line arguments.</summary>
internal static class ToolOptions
{
    public static readonly IReadOnlySet<string> ForbiddenInitdb =
        new HashSet<string>(StringComparer.Ordinal) { "pgdata", "nosync", "pwfile", "sync-only", "version" };

    public static readonly IReadOnlySet<string> ForbiddenBasebackup = new HashSet<string>(StringComparer.Ordinal)
    {
        "pgdata", "format", "wal-method", "xlog-method", "gzip", "version", "compress", "dbname", "host", "port",
        "username", "password",
    };

    /// <summary>"--key" or "--key=value" per option; throws for a forbidden or empty key.</summary>
    public static IReadOnlyList<string> ToArguments(IEnumerable<string> options, IReadOnlySet<string> forbidden, string tool)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(forbidden);
        var args = new List<string>();
        foreach (var option in options)
        {
            var trimmed = option.Trim().TrimStart('-');
            var eq = trimmed.IndexOf('=', StringComparison.Ordinal);
            var key = (eq < 0 ? trimmed : trimmed[..eq]).Trim();
            if (key.Length == 0)
            {
                throw new ArgumentException($"empty {tool} option '{option}'", nameof(options));
            }

            if (forbidden.Contains(key))
            {
                throw new ArgumentException($"{tool} option '{key}' is not allowed (set by the agent)", nameof(options));
            }

            args.Add(eq < 0 ? "--" + key : "--" + key + "=" + trimmed[(eq + 1)..].Trim());
        }

        return args;
    }
}
