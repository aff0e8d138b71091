using NodeAgent.Configuration;

namespace NodeAgent.Tests.Configuration;

public sealed class ConfigLoaderTests
{
    [Fact]
    public void Seed_file_loads_with_its_values_and_patroni_defaults()
    {
        var result = ConfigLoader.Read(SeedConfig.Path, SeedConfig.NoEnv);

        Assert.True(result.IsValid, string.Join("\n", result.Problems));
        var c = result.Config!;
        Assert.Equal("PGC1", c.Scope);
        Assert.Equal("u4", c.Name);
        Assert.Equal("/service/PGC1/", c.KeyPrefix);
        Assert.Equal("0.0.0.0:8008", c.RestApi.Listen);
        Assert.Equal("192.168.0.84:8008", c.RestApi.ConnectAddress);
        Assert.Equal("/var/log/patroni", c.Log.Dir);
        Assert.Equal("INFO", c.Log.Level);
        Assert.Equal(["192.168.0.81:2379", "192.168.0.82:2379", "192.168.0.83:2379"], c.Etcd3.Hosts);
        Assert.Equal("http", c.Etcd3.Protocol);

        var dcs = c.Bootstrap.Dcs;
        Assert.Equal((30, 10, 10), (dcs.Ttl, dcs.LoopWait, dcs.RetryTimeout));
        Assert.Equal(1048576, dcs.MaximumLagOnFailover);
        Assert.Equal(300, dcs.PrimaryStartTimeout);
        Assert.True(dcs.Postgresql.UsePgRewind);
        Assert.True(dcs.Postgresql.UseSlots);
        Assert.Equal("*", dcs.Postgresql.Parameters["listen_addresses"]);
        Assert.Equal("5432", dcs.Postgresql.Parameters["port"]);
        Assert.Equal("on", dcs.Postgresql.Parameters["logging_collector"]);
        Assert.Equal("off", dcs.Postgresql.Parameters["archive_mode"]);
        Assert.Equal(new SlotConfig("physical", null, null), dcs.Slots["patroni"]);
        Assert.Equal(["data-checksums"], c.Bootstrap.Initdb);
        Assert.Equal(["host replication replicator 0.0.0.0/0 md5", "host all all 0.0.0.0/0 md5"], c.Bootstrap.PgHba);
        Assert.Equal("initdb", c.Bootstrap.Method);

        var pg = c.Postgresql;
        Assert.Equal("0.0.0.0:5432", pg.Listen);
        Assert.Equal("192.168.0.84:5432", pg.ConnectAddress);
        Assert.Equal("/pgsql/pg_data", pg.DataDir);
        Assert.Equal("/usr/lib/postgresql/16/bin", pg.BinDir);
        Assert.Equal("replicator", pg.Authentication.Replication.Username);
        Assert.Equal("secret", pg.Authentication.Replication.Password);
        Assert.Equal("postgres", pg.Authentication.Superuser.Username);
        Assert.Equal("/tmp", pg.Parameters["unix_socket_directories"]);
        Assert.Equal("300", pg.Parameters["max_connections"]);
        Assert.Equal(["basebackup"], pg.CreateReplicaMethods);

        Assert.Equal(WatchdogMode.Automatic, c.Watchdog.Mode);
        Assert.Equal("/dev/watchdog", c.Watchdog.Device);
        Assert.Equal(5, c.Watchdog.SafetyMargin);
    }

    [Fact]
    public void Seed_file_missing_bin_dir_is_only_a_warning()
    {
        var result = ConfigLoader.Read(SeedConfig.Path, SeedConfig.NoEnv);

        Assert.Empty(result.Errors);
        Assert.Contains(result.Warnings, w => w.Path == "postgresql.bin_dir");
    }

    [Fact]
    public void Bootstrap_dcs_is_kept_verbatim_as_json()
    {
        var config = ConfigLoader.ReadText(SeedConfig.Text, SeedConfig.NoEnv, checkMachine: false).Config!;

        Assert.Equal(
            """{"ttl":30,"loop_wait":10,"retry_timeout":10,"postgresql":{"use_pg_rewind":true,"use_slots":true,"parameters":{"listen_addresses":"*","port":5432,"logging_collector":"on","archive_mode":"off"}},"slots":{"patroni":{"type":"physical"}}}""",
            config.Bootstrap.DcsJson.ToJsonString());
    }

    [Fact]
    public void Load_throws_with_every_error_message()
    {
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"na-config-{Guid.NewGuid():N}.yml");
        File.WriteAllText(path, SeedConfig.Replace("scope: PGC1\n", "").Replace("ttl: 30", "ttl: abc", StringComparison.Ordinal));
        try
        {
            var e = Assert.Throws<ConfigException>(() => ConfigLoader.Load(path, SeedConfig.NoEnv));
            // The file names every error; a key present in it also has its line and column.
            Assert.Contains($"error: {path}: scope: required", e.Message, StringComparison.Ordinal);
            Assert.Matches($@"error: {System.Text.RegularExpressions.Regex.Escape(path)}:\d+:\d+: bootstrap\.dcs\.ttl:", e.Message);
            Assert.Equal(2, e.Errors.Count);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Missing_file_is_an_error()
    {
        var result = ConfigLoader.Read("/nonexistent/patroni.yml", SeedConfig.NoEnv);

        Assert.False(result.IsValid);
        Assert.Equal("/nonexistent/patroni.yml", Assert.Single(result.Errors).Path);
    }

    [Fact]
    public void Demoted_client_holdoff_defaults_to_the_seed_haproxy_timers_and_reads_a_value_or_zero()
    {
        Assert.Equal(10, ConfigLoader.ReadText(SeedConfig.Text, SeedConfig.NoEnv, checkMachine: false).Config!.Postgresql.DemotedClientHoldoff);
        var off = SeedConfig.Replace("  data_dir: /pgsql/pg_data", "  data_dir: /pgsql/pg_data\n  demoted_client_holdoff: 0");
        Assert.Equal(0, ConfigLoader.ReadText(off, SeedConfig.NoEnv, checkMachine: false).Config!.Postgresql.DemotedClientHoldoff);
        var longer = SeedConfig.Replace("  data_dir: /pgsql/pg_data", "  data_dir: /pgsql/pg_data\n  demoted_client_holdoff: 25");
        Assert.Equal(25, ConfigLoader.ReadText(longer, SeedConfig.NoEnv, checkMachine: false).Config!.Postgresql.DemotedClientHoldoff);
    }

    [Fact]
    public void The_limits_on_long_operations_default_to_6_h_1_h_and_10_min_and_read_seconds()
    {
        var defaults = ConfigLoader.ReadText(SeedConfig.Text, SeedConfig.NoEnv, checkMachine: false).Config!.Postgresql;
        Assert.Equal((21600, 3600, 600), (defaults.CreateReplicaTimeout, defaults.RewindTimeout, defaults.InitdbTimeout));

        var set = SeedConfig.Replace("  data_dir: /pgsql/pg_data", "  data_dir: /pgsql/pg_data\n  create_replica_timeout: 86400\n  rewind_timeout: 7200\n  initdb_timeout: 60");
        var read = ConfigLoader.ReadText(set, SeedConfig.NoEnv, checkMachine: false);
        Assert.DoesNotContain(read.Problems, p => p.Path.Contains("timeout", StringComparison.Ordinal));
        Assert.Equal((86400, 7200, 60), (read.Config!.Postgresql.CreateReplicaTimeout, read.Config.Postgresql.RewindTimeout, read.Config.Postgresql.InitdbTimeout));
    }

    [Fact]
    public void A_limit_of_zero_seconds_is_an_error_naming_the_key()
    {
        var zero = SeedConfig.Replace("  data_dir: /pgsql/pg_data", "  data_dir: /pgsql/pg_data\n  rewind_timeout: 0");

        var result = ConfigLoader.ReadText(zero, SeedConfig.NoEnv, checkMachine: false);

        Assert.Contains(result.Errors, e => e.Path == "postgresql.rewind_timeout");
    }
}
