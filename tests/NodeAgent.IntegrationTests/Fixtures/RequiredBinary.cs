namespace NodeAgent.IntegrationTests.Fixtures;

/// <summary>Resolves an external program a fixture needs; a missing one fails the test loudly, never skips it.</summary>
public static class RequiredBinary
{
    public const string Etcd = "/usr/bin/etcd";
    public const string Etcdctl = "/usr/bin/etcdctl";
    public const string Haproxy = "/usr/sbin/haproxy";
    public const string PostgresBin = "/usr/lib/postgresql/15/bin";

    /// <summary>Returns <paramref name="path"/> if it exists, else throws naming the package that provides it.</summary>
    public static string Require(string path, string package)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            throw new InvalidOperationException(
                $"{Path.GetFileName(path)} not found at {path}: apt-get install {package} (scripts/test.sh installs it)");
        }
        return path;
    }

    public static string RequireEtcd() => Require(Etcd, "etcd-server");

    public static string RequireHaproxy() => Require(Haproxy, "haproxy");

    /// <summary>A PostgreSQL 15 server program such as "initdb" or "postgres".</summary>
    public static string RequirePostgres(string program) => Require(Path.Combine(PostgresBin, program), "postgresql-15");
}
