using System.Diagnostics;

namespace NodeAgent.IntegrationTests.Fixtures;

/// <summary>
/// The one place that knows how to run a program as OS user postgres: tests run as root and
/// postgres refuses root. ProcessStartInfo.UserName switches uid/gid but keeps root's HOME, so the
/// environment is set here too.
/// </summary>
public static class PostgresUser
{
    public const string Name = "postgres";
    public const string Home = "/var/lib/postgresql";

    /// <summary>Makes <paramref name="psi"/> start as user postgres with a matching environment.</summary>
    public static void Configure(ProcessStartInfo psi, string? workingDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(psi);
        psi.UserName = Name;
        psi.Environment["HOME"] = Home;
        psi.Environment["USER"] = Name;
        psi.Environment["LOGNAME"] = Name;
        foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("PG", StringComparison.Ordinal)).ToList())
        {
            // PGDATA/PGPORT/... from the caller would redirect initdb or pg_ctl.
            psi.Environment.Remove(key);
        }
        // postgres cannot read root's working directory; initdb and pg_ctl call getcwd().
        psi.WorkingDirectory = workingDirectory ?? "/";
    }

    /// <summary>Runs a program to completion as postgres; throws with its output on a non-zero exit.</summary>
    public static Task<string> RunAsPostgresAsync(
        string fileName, IEnumerable<string> arguments, CancellationToken cancellationToken = default) =>
        CommandRunner.RunAsync(fileName, arguments, psi => Configure(psi), cancellationToken);

    /// <summary>chown -R postgres:postgres (run as root) so postgres owns a fixture's temp dir.</summary>
    public static Task ChownToPostgresAsync(string path, CancellationToken cancellationToken = default) =>
        CommandRunner.RunAsync("/bin/chown", ["-R", $"{Name}:{Name}", path], null, cancellationToken);
}
