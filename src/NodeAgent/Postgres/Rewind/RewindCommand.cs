using System.Text;

namespace NodeAgent.Postgres.Rewind;

/// <summary>The pure parts of rewind.py:pg_rewind and _buid_archiver_command.</summary>
internal static class RewindCommand
{
    /// <summary>
    /// pg_rewind's arguments. With a restore_command, PG 13+ fetches the WAL it lacks through it
    /// (<c>--restore-target-wal</c>); before PG 15 it only finds postgresql.conf inside the data dir, so then only when
    /// the config lives there, and from PG 15 with <c>--config-file</c> when it does not.
    /// </summary>
    public static IReadOnlyList<string> Arguments(int majorVersion, string? restoreCommand, string dataDir, string configDir, string postgresqlConf, string dsn)
    {
        var sameDir = SamePath(configDir, dataDir);
        var canRestore = !string.IsNullOrEmpty(restoreCommand) && (majorVersion >= 15 || (majorVersion >= 13 && sameDir));
        var args = new List<string>();
        if (canRestore)
        {
            args.Add("--restore-target-wal");
            if (majorVersion >= 15 && !sameDir)
            {
                args.Add("--config-file=" + postgresqlConf);
            }
        }

        args.AddRange(["-D", dataDir, "--source-server", dsn]);
        return args;
    }

    /// <summary>%p (the segment's path in pg_wal), %f (its name), %r (always the first segment) and %% replaced; any other % kept.</summary>
    public static string ArchiverCommand(string template, string walDir, string walFileName)
    {
        ArgumentNullException.ThrowIfNull(template);
        var sb = new StringBuilder();
        for (var i = 0; i < template.Length; i++)
        {
            if (template[i] != '%' || i + 1 >= template.Length)
            {
                sb.Append(template[i]);
                continue;
            }

            switch (template[i + 1])
            {
                case 'p':
                    sb.Append(Path.Combine(walDir, walFileName));
                    i++;
                    break;
                case 'f':
                    sb.Append(walFileName);
                    i++;
                    break;
                case 'r':
                    sb.Append("000000010000000000000001");
                    i++;
                    break;
                case '%':
                    sb.Append('%');
                    i++;
                    break;
                default:
                    sb.Append('%');
                    break;
            }
        }

        return sb.ToString();
    }

    /// <summary>
    /// The segments rewind.py:_archive_ready_wals tries, oldest first: names in archive_status like
    /// 000000010000000000000003.ready or ….partial.ready, without the suffix.
    /// </summary>
    public static IReadOnlyList<string> ReadySegments(IEnumerable<string> statusFileNames) =>
        [.. statusFileNames.Where(IsReadySegment).Select(n => n[..^".ready".Length]).Order(StringComparer.Ordinal)];

    private static bool IsReadySegment(string name)
    {
        if (!name.EndsWith(".ready", StringComparison.Ordinal))
        {
            return false;
        }

        var stem = name[..^".ready".Length];
        if (stem.EndsWith(".partial", StringComparison.Ordinal))
        {
            stem = stem[..^".partial".Length];
        }

        return stem.Length == 24 && stem.All(c => c is (>= '0' and <= '9') or (>= 'A' and <= 'F'));
    }

    private static bool SamePath(string a, string b) =>
        string.Equals(Path.GetFullPath(a).TrimEnd('/'), Path.GetFullPath(b).TrimEnd('/'), StringComparison.Ordinal);
}
