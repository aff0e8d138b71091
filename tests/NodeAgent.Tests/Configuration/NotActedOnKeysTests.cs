using NodeAgent.Configuration;

namespace NodeAgent.Tests.Configuration;

public sealed class NotActedOnKeysTests
{
    private const string Base = "scope: s\nname: n\netcd3:\n  host: e1\npostgresql:\n  data_dir: /d\n  listen: 127.0.0.1:5432\n";

    private static IEnumerable<string> WarnedKeys(string yaml) =>
        ConfigLoader.ReadText(yaml, SeedConfig.NoEnv, checkMachine: false).Warnings
            .Where(w => w.Message.StartsWith("not acted on yet", StringComparison.Ordinal)).Select(w => w.Path);

    [Theory]
    [InlineData("bootstrap:\n  dcs:\n    standby_cluster:\n      host: 10.0.0.1\n      create_replica_methods: [wal_e]\n", "bootstrap.dcs.standby_cluster.create_replica_methods")]
    public void A_key_set_but_not_acted_on_is_a_warning_naming_it(string extra, string key)
    {
        Assert.Contains(key, WarnedKeys(Base + extra));
    }

    [Theory]
    [InlineData("bootstrap:\n  method: wal_e\n  wal_e:\n    command: /bin/true\n")]
    [InlineData("bootstrap:\n  post_bootstrap: /bin/true\n")]
    [InlineData("bootstrap:\n  post_init: /bin/true\n")]
    public void Custom_bootstrap_and_post_bootstrap_are_acted_on_and_not_warned_about(string extra) =>
        Assert.Empty(WarnedKeys(Base + extra));

    [Fact]
    public void Create_replica_methods_are_acted_on_and_not_warned_about()
    {
        var yaml = "scope: s\nname: n\netcd3:\n  host: e1\n" +
            "postgresql:\n  data_dir: /d\n  listen: 127.0.0.1:5432\n  create_replica_methods: [wal_e, basebackup]\n  wal_e:\n    command: /bin/true\n";

        Assert.Empty(WarnedKeys(yaml));
    }

    [Fact]
    public void Defaults_written_out_are_not_warned_about()
    {
        var yaml = Base + "bootstrap:\n  method: initdb\n  dcs:\n    synchronous_mode: false\n    synchronous_node_count: 1\n" +
            "    maximum_lag_on_syncnode: -1\n    failsafe_mode: false\ntags:\n  nosync: false\n  clonefrom: false\nlog:\n  level: INFO\n  traceback_level: error\n";

        Assert.Empty(WarnedKeys(yaml));
    }

    [Fact]
    public void The_dynamic_config_path_warns_too()
    {
        var result = DynamicConfigValidator.Validate(new System.Text.Json.Nodes.JsonObject
        {
            ["synchronous_mode"] = true,
            ["failsafe_mode"] = true,
            ["standby_cluster"] = new System.Text.Json.Nodes.JsonObject
            {
                ["host"] = "10.0.0.1",
                ["create_replica_methods"] = new System.Text.Json.Nodes.JsonArray("wal_e"),
            },
        });

        Assert.True(result.IsValid);
        Assert.Contains(result.Warnings, w => w.Path == "standby_cluster.create_replica_methods");
        Assert.DoesNotContain(result.Warnings, w => w.Path == "failsafe_mode" || w.Path == "standby_cluster");
    }

    [Theory]
    [InlineData("bootstrap:\n  dcs:\n    synchronous_mode: true\n    synchronous_mode_strict: on\n    synchronous_node_count: 2\n    maximum_lag_on_syncnode: 1000\n")]
    [InlineData("tags:\n  nosync: true\n")]
    [InlineData("bootstrap:\n  dcs:\n    failsafe_mode: true\n")]
    public void Synchronous_replication_is_acted_on_and_not_warned_about(string extra) =>
        Assert.Empty(WarnedKeys(Base + extra));

    [Theory]
    [InlineData("  pre_promote: /bin/true\n")]
    [InlineData("  callbacks:\n    on_start: /bin/true\n    on_role_change: /bin/true\n")]
    public void Callbacks_and_pre_promote_are_acted_on_and_not_warned_about(string postgresql) =>
        Assert.Empty(WarnedKeys(Base + postgresql));
}
