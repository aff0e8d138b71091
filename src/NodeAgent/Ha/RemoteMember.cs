using System.Globalization;
using System.Text;
using NodeAgent.Configuration;
using NodeAgent.Postgres;

namespace NodeAgent.Ha;

/// <summary>
/// The primary of another cluster a standby leader follows, as an upstream (ha.py:get_remote_member). Its name carries
/// host, port and a fingerprint of the other standby_cluster settings: the name is what a running replica is compared
/// against, so any change to the section re-points the standby leader.
/// </summary>
public static class RemoteMember
{
    private const string Prefix = "remote_member";

    public static UpstreamTarget From(StandbyClusterConfig standby)
    {
        ArgumentNullException.ThrowIfNull(standby);
        var hasAddress = standby.Host is not null || standby.Port is not null;
        var host = standby.Host ?? "localhost";
        var port = standby.Port ?? 5432;
        // A host may be a list ("h1,h2"), which a URL cannot carry; the clone and the conninfo use the first one.
        var first = host.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? host;
        var url = hasAddress ? string.Create(CultureInfo.InvariantCulture, $"postgres://{(first.Contains(':', StringComparison.Ordinal) ? "[" + first + "]" : first)}:{port}/postgres") : "";
        var name = string.Create(CultureInfo.InvariantCulture, $"{Prefix}({(hasAddress ? $"{first}:{port}" : "archive")})#{Fingerprint(standby)}");
        return new UpstreamTarget(name, url, standby);
    }

    /// <summary>True for an upstream name this class made (a replica of another cluster).</summary>
    public static bool IsRemote(string? memberName) => memberName?.StartsWith(Prefix + "(", StringComparison.Ordinal) == true;

    /// <summary>FNV-1a over the settings that end up in the recovery parameters; stable across processes.</summary>
    private static string Fingerprint(StandbyClusterConfig s)
    {
        var text = string.Join('\u001f', s.Host, s.Port, s.PrimarySlotName, s.RestoreCommand, s.ArchiveCleanupCommand, s.RecoveryMinApplyDelay);
        var hash = 2166136261u;
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            hash = (hash ^ b) * 16777619u;
        }

        return hash.ToString("x8", CultureInfo.InvariantCulture);
    }
}
