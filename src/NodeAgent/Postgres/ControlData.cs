using System.Globalization;

namespace NodeAgent.Postgres;

/// <summary>The fields of <c>pg_controldata</c> output the agent uses.</summary>
internal sealed record ControlData(
    string? SystemIdentifier,
    string? ClusterState,
    int? Timeline,
    string? CheckpointLocation,
    int? DataChecksumVersion,
    bool? WalLogHints,
    IReadOnlyDictionary<string, string> All)
{
    /// <summary>pg_rewind can run: wal_log_hints on or data checksums enabled.</summary>
    public bool CanRewind => WalLogHints == true || DataChecksumVersion > 0;

    /// <summary>Parses "Name:   value" lines; unknown or missing fields are null.</summary>
    public static ControlData Parse(IEnumerable<string> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        var all = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in lines)
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                all[line[..colon].Trim()] = line[(colon + 1)..].Trim();
            }
        }

        return new ControlData(
            Get(all, "Database system identifier"),
            Get(all, "Database cluster state"),
            ParseInt(Get(all, "Latest checkpoint's TimeLineID")),
            Get(all, "Latest checkpoint location"),
            ParseInt(Get(all, "Data page checksum version")),
            ParseOnOff(Get(all, "wal_log_hints setting")),
            all);
    }

    private static string? Get(Dictionary<string, string> all, string key) => all.GetValueOrDefault(key);

    private static int? ParseInt(string? value) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : null;

    private static bool? ParseOnOff(string? value) => value switch
    {
        "on" => true,
        "off" => false,
        _ => null,
    };
}
