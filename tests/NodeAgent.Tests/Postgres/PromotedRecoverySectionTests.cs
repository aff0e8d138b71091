using NodeAgent.Configuration;
using NodeAgent.Postgres;

namespace NodeAgent.Tests.Postgres;

/// <summary>What a promoted primary keeps of its replica's recovery section, and which GUCs count as recovery GUCs.</summary>
public sealed class PromotedRecoverySectionTests
{
    private static readonly AgentConfig Config = new()
    {
        Scope = "PGC1",
        Name = "u5",
        Postgresql = new PostgresqlConfig
        {
            DataDir = "/data",
            Authentication = new PostgresAuthentication { Replication = new PostgresUser { Username = "replicator", Password = "pw" } },
            RecoveryConf = new Dictionary<string, string> { ["restore_command"] = "cp %f", ["recovery_min_apply_delay"] = "0" },
        },
    };

    private static SortedDictionary<string, string> ReplicaSection() =>
        RecoveryParameters.Build(Config, new DynamicConfig(), new UpstreamTarget("u4", "postgres://10.0.0.4:5432/postgres"));

    [Fact]
    public void A_promoted_primary_keeps_every_line_a_reload_cannot_drop_and_loses_its_upstream()
    {
        var replica = ReplicaSection();

        var kept = RecoveryParameters.KeptAfterPromotion(replica);

        Assert.NotNull(kept);
        Assert.Equal(replica.Keys.Where(k => k is not ("primary_conninfo" or "primary_slot_name")), kept.Keys);
        foreach (var (name, value) in kept)
        {
            Assert.Equal(replica[name], value);
        }

        Assert.Equal("latest", kept["recovery_target_timeline"]);
        Assert.Equal("", kept["recovery_target"]);
        Assert.Equal("cp %f", kept["restore_command"]);
    }

    [Fact]
    public void Nothing_kept_without_a_section_or_with_only_connection_lines()
    {
        Assert.Null(RecoveryParameters.KeptAfterPromotion(null));
        var connectionOnly = new SortedDictionary<string, string> { ["primary_conninfo"] = "host=h", ["PRIMARY_SLOT_NAME"] = "u5" };
        Assert.Null(RecoveryParameters.KeptAfterPromotion(connectionOnly));
    }

    [Fact]
    public void Every_recovery_line_the_agent_writes_is_a_recovery_guc_left_out_of_pending_restart()
    {
        var withTargets = Config with
        {
            Postgresql = Config.Postgresql with
            {
                RecoveryConf = new Dictionary<string, string>
                {
                    ["restore_command"] = "cp %f", ["archive_cleanup_command"] = "true", ["recovery_end_command"] = "true",
                    ["recovery_min_apply_delay"] = "1s", ["recovery_target_action"] = "promote",
                },
            },
        };

        var written = RecoveryParameters.Build(withTargets, new DynamicConfig(), new UpstreamTarget("u4", "postgres://10.0.0.4:5432/postgres"));

        Assert.All(written.Keys, name => Assert.Contains(name, RecoveryParameters.Names));
        Assert.DoesNotContain("max_connections", RecoveryParameters.Names);
        Assert.DoesNotContain("shared_buffers", RecoveryParameters.Names);
    }

    [Fact]
    public void The_kept_section_round_trips_through_postgresql_conf_without_an_upstream()
    {
        var dir = Directory.CreateTempSubdirectory("na-promoted-").FullName;
        try
        {
            var files = new ConfigFiles(new PostgresPaths(dir, dir, "postgresql", ""), owner: null);
            File.WriteAllText(Path.Combine(dir, "postgresql.conf"), "# initdb\n");
            var parameters = new SortedDictionary<string, string> { ["port"] = "5432" };
            files.WritePostgresqlConf(files.RenderPostgresqlConf(parameters, ReplicaSection(), "u4"));

            var kept = RecoveryParameters.KeptAfterPromotion(files.ReadRecoverySection());
            files.WritePostgresqlConf(files.RenderPostgresqlConf(parameters, kept, upstreamMember: null));

            // A later reload reads back exactly these lines, so it rewrites them unchanged.
            Assert.Equal(kept, files.ReadRecoverySection());
            Assert.Null(files.ReadUpstreamMember());
            Assert.DoesNotContain("primary_conninfo", File.ReadAllText(Path.Combine(dir, "postgresql.conf")), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
