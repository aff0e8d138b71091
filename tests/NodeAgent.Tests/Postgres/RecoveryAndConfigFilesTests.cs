using NodeAgent.Configuration;
using NodeAgent.Postgres;

namespace NodeAgent.Tests.Postgres;

public sealed class RecoveryAndConfigFilesTests
{
    private static readonly AgentConfig Config = new()
    {
        Scope = "PGC1",
        Name = "u4",
        Postgresql = new PostgresqlConfig
        {
            DataDir = "/data",
            Authentication = new PostgresAuthentication { Replication = new PostgresUser { Username = "replicator", Password = "pw" } },
            RecoveryConf = new Dictionary<string, string> { ["restore_command"] = "cp %f", ["recovery_target_time"] = "x", ["primary_slot_name"] = "y" },
        },
    };

    [Fact]
    public void Replica_recovery_points_at_upstream_with_own_slot()
    {
        var r = RecoveryParameters.Build(Config, new DynamicConfig(), new UpstreamTarget("u1", "postgres://10.0.0.1:5432/postgres"));
        Assert.Equal("latest", r["recovery_target_timeline"]);
        Assert.Equal("", r["recovery_target_time"]);
        Assert.Equal("u4", r["primary_slot_name"]);
        Assert.Equal("cp %f", r["restore_command"]);
        Assert.StartsWith("user=replicator password=pw host=10.0.0.1 port=5432 sslmode=prefer application_name=u4", r["primary_conninfo"], StringComparison.Ordinal);
    }

    [Fact]
    public void No_slot_without_use_slots_and_no_conninfo_without_upstream()
    {
        var noSlots = new DynamicConfig { Postgresql = new DynamicPostgresqlConfig { UseSlots = false } };
        Assert.False(RecoveryParameters.Build(Config, noSlots, new UpstreamTarget("u1", "postgres://h:1/p")).ContainsKey("primary_slot_name"));
        var none = RecoveryParameters.Build(Config, new DynamicConfig(), null);
        Assert.False(none.ContainsKey("primary_conninfo"));
        Assert.False(none.ContainsKey("primary_slot_name"));
    }

    [Fact]
    public void Postgresql_conf_includes_base_and_round_trips_recovery_section()
    {
        var dir = Directory.CreateTempSubdirectory("na-conf-").FullName;
        try
        {
            var files = new ConfigFiles(new PostgresPaths(dir, dir, "postgresql", ""), owner: null);
            File.WriteAllText(Path.Combine(dir, "postgresql.conf"), "# initdb\n");
            var recovery = new SortedDictionary<string, string> { ["primary_conninfo"] = @"password=it\'s", ["recovery_target"] = "" };
            var text = files.RenderPostgresqlConf(new SortedDictionary<string, string> { ["port"] = "5432" }, recovery, "u1");

            Assert.True(files.WritePostgresqlConf(text));
            Assert.False(files.WritePostgresqlConf(text));
            Assert.Equal("# initdb\n", File.ReadAllText(Path.Combine(dir, "postgresql.base.conf")));
            Assert.StartsWith("# Do not edit", text, StringComparison.Ordinal);
            Assert.Contains("include 'postgresql.base.conf'", text, StringComparison.Ordinal);
            Assert.Contains(@"primary_conninfo = 'password=it\\''s'", text, StringComparison.Ordinal);
            Assert.Equal("u1", files.ReadUpstreamMember());
            Assert.Equal(recovery, files.ReadRecoverySection());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Written_files_are_0600_and_leave_no_temp_files_and_signal_files_come_and_go()
    {
        var dir = Directory.CreateTempSubdirectory("na-conf-").FullName;
        try
        {
            var paths = new PostgresPaths(dir, dir, "postgresql", "");
            var files = new ConfigFiles(paths, owner: null);
            File.WriteAllText(paths.PostgresqlConf, "# initdb\n");
            File.WriteAllText(paths.RecoverySignal, "");

            files.WritePostgresqlConf("port = '5432'\n");
            files.ReplaceHba(["local all all trust"]);
            files.WriteStandbySignal(true);

            foreach (var file in new[] { paths.PostgresqlConf, paths.HbaConf, paths.StandbySignal })
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
            }

            Assert.Empty(Directory.GetFiles(dir, "*.tmp"));
            files.WriteStandbySignal(false);
            Assert.False(File.Exists(paths.StandbySignal));
            Assert.False(File.Exists(paths.RecoverySignal));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
