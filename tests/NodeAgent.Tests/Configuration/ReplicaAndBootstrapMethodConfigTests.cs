using NodeAgent.Configuration;

namespace NodeAgent.Tests.Configuration;

/// <summary>create_replica_methods sections and a custom bootstrap.method, read from a copy of the seed file.</summary>
public sealed class ReplicaAndBootstrapMethodConfigTests
{
    private static AgentConfig Load(string text)
    {
        var result = ConfigLoader.ReadText(text, SeedConfig.NoEnv, checkMachine: false);
        Assert.True(result.IsValid, string.Join("\n", result.Problems));
        return result.Config!;
    }

    [Fact]
    public void Replica_method_keys_are_kept_in_order_with_python_spelling()
    {
        var c = Load(SeedConfig.Replace("postgresql:\n  listen:", """
            postgresql:
              create_replica_methods: [pgbackrest, basebackup]
              pgbackrest:
                command: /usr/bin/pgbackrest --stanza=main --delta restore
                keep_data: true
                no_params: true
                target: 3
              listen:
            """.ReplaceLineEndings("\n")));
        Assert.Equal(["pgbackrest", "basebackup"], c.Postgresql.CreateReplicaMethods);
        var m = c.Postgresql.ReplicaMethods["pgbackrest"];
        Assert.Equal("/usr/bin/pgbackrest --stanza=main --delta restore", m.Command);
        Assert.True(m.KeepData && m.NoParams && !m.NoLeader);
        Assert.Equal([new("keep_data", "True"), new("no_params", "True"), new("target", "3")], m.Params);
    }

    [Fact]
    public void Custom_bootstrap_method_reads_its_section_and_post_init_is_post_bootstrap()
    {
        var c = Load(SeedConfig.Replace("  initdb:  \n", """
              method: pitr
              pitr:
                command: /usr/local/bin/restore.sh
                keep_existing_recovery_conf: true
                recovery_conf:
                  recovery_target_time: '2026-12-06 15:00:00+00'
                  recovery_target_action: promote
              post_init: /usr/local/bin/after.sh
              initdb:  

            """.ReplaceLineEndings("\n")));
        Assert.Equal("pitr", c.Bootstrap.Method);
        var m = c.Bootstrap.CustomMethods["pitr"];
        Assert.Equal("/usr/local/bin/restore.sh", m.Command);
        Assert.True(m.KeepExistingRecoveryConf);
        Assert.False(m.NoParams);
        Assert.Equal("promote", m.RecoveryConf!["recovery_target_action"]);
        Assert.Equal("/usr/local/bin/after.sh", c.Bootstrap.PostBootstrap);
    }

    [Fact]
    public void Custom_methods_are_no_longer_reported_as_not_acted_on()
    {
        var result = ConfigLoader.ReadText(SeedConfig.Replace("postgresql:\n  listen:", """
            postgresql:
              create_replica_methods: [restore]
              restore: {command: /bin/true, no_leader: true}
              listen:
            """.ReplaceLineEndings("\n")), SeedConfig.NoEnv, checkMachine: false);
        Assert.DoesNotContain(result.Problems, p => p.Path.Contains("create_replica_method", StringComparison.Ordinal));
    }
}
