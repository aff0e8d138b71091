namespace NodeAgent.IntegrationTests.Fixtures;

/// <summary>Resolves an external program a fixture needs; a missing one fails the test loudly, never skips it.</summary>
public static class RequiredBinary
{
    public const string Etcd = "/usr/bin/etcd";
    public const string Etcdctl = "/usr/bin/etcdctl";
    public const string Haproxy = "/usr/sbin/haproxy";
    public const string PostgresBin = "/usr/lib/postgresql/15/bin";
    public const string Patroni = "/usr/bin/patroni";
    public const string Patronictl = "/usr/bin/patronictl";

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

    /// <summary>Patroni 3.0.2 itself (Debian's patroni package, which also pulls python3-etcd and psycopg2).</summary>
    public static string RequirePatroni()
    {
        // Patroni's etcd3 module is built on python-etcd's client classes: without it Patroni dies at start.
        Require("/usr/lib/python3/dist-packages/etcd/__init__.py", "python3-etcd");
        return Require(Patroni, "patroni");
    }

    public static string RequirePatronictl() => Require(Patronictl, "patroni");

    /// <summary>A PostgreSQL 15 server program such as "initdb" or "postgres".</summary>
    public static string RequirePostgres(string program) => Require(Path.Combine(PostgresBin, program), "postgresql-15");
}
