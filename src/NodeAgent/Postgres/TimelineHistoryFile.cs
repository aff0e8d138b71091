using System.Globalization;
using NodeAgent.Cluster;

namespace NodeAgent.Postgres;

/// <summary>Parses pg_wal/XXXXXXXX.history: "parentTLI&lt;tab&gt;switchpoint&lt;tab&gt;reason" per line.</summary>
internal static class TimelineHistoryFile
{
    public static string FileName(int timeline) =>
        timeline.ToString("X8", CultureInfo.InvariantCulture) + ".history";

    public static IReadOnlyList<TimelineHistoryEntry> Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var rows = new List<TimelineHistoryEntry>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var parts = line.Split('\t', 3);
            if (parts.Length < 2
                || !int.TryParse(parts[0].Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var tli))
            {
                continue;
            }

            Lsn lsn;
            try
            {
                lsn = Lsn.Parse(parts[1].Trim());
            }
            catch (FormatException)
            {
                continue;
            }

            var reason = parts.Length > 2 ? parts[2].Trim() : "";
            rows.Add(new TimelineHistoryEntry(tli, lsn.Value, reason, null, null));
        }

        return rows;
    }
}
