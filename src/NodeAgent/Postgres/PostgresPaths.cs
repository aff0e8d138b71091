using NodeAgent.Configuration;

namespace NodeAgent.Postgres;

/// <summary>Where things are: data dir, config files, binaries. Derived once from the local config.</summary>
internal sealed record PostgresPaths(string DataDir, string ConfigDir, string ConfigBaseName, string BinDir)
{
    public static PostgresPaths From(PostgresqlConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var data = Path.GetFullPath(config.DataDir);
        return new PostgresPaths(
            data,
            string.IsNullOrEmpty(config.ConfigDir) ? data : Path.GetFullPath(config.ConfigDir),
            string.IsNullOrEmpty(config.ConfigBaseName) ? "postgresql" : config.ConfigBaseName,
            config.BinDir ?? "");
    }

    public string PostgresqlConf => Path.Combine(ConfigDir, ConfigBaseName + ".conf");

    /// <summary>What initdb wrote as postgresql.conf, renamed; our postgresql.conf includes it (Patroni layout).</summary>
    public string BaseConfName => ConfigBaseName + ".base.conf";

    public string BaseConf => Path.Combine(ConfigDir, BaseConfName);

    public string HbaConf => Path.Combine(ConfigDir, "pg_hba.conf");

    public string IdentConf => Path.Combine(ConfigDir, "pg_ident.conf");

    /// <summary>ALTER SYSTEM's file: always in the data dir, whatever config_dir says.</summary>
    public string AutoConf => Path.Combine(DataDir, "postgresql.auto.conf");

    public string StandbySignal => Path.Combine(DataDir, "standby.signal");

    public string RecoverySignal => Path.Combine(DataDir, "recovery.signal");

    public string PgVersion => Path.Combine(DataDir, "PG_VERSION");

    public string WalDir => Path.Combine(DataDir, "pg_wal");

    /// <summary>A binary from bin_dir, or the bare name (resolved through PATH) when bin_dir is unset.</summary>
    public string Binary(string name) => BinDir.Length == 0 ? name : Path.Combine(BinDir, name);
}
