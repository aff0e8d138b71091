using NodeAgent.Configuration;

namespace NodeAgent.Tests.Configuration;

/// <summary>standby_cluster is acted on: only a create_replica_methods list NodeAgent cannot run is reported.</summary>
public sealed class StandbyClusterKeysTests
{
    private const string Base = "scope: s\nname: n\netcd3:\n  host: e1\npostgresql:\n  data_dir: /d\n  listen: 127.0.0.1:5432\n";

    private static IEnumerable<string> WarnedKeys(string yaml) =>
        ConfigLoader.ReadText(yaml, SeedConfig.NoEnv, checkMachine: false).Warnings
            .Where(w => w.Message.StartsWith("not acted on yet", StringComparison.Ordinal)).Select(w => w.Path);

    [Theory]
    [InlineData("      host: 10.0.0.1\n      port: 5433\n      primary_slot_name: dc2\n      restore_command: cp /a/%f %p\n      archive_cleanup_command: x %r\n      recovery_min_apply_delay: 5s\n")]
    [InlineData("      host: 10.0.0.1\n      create_replica_methods: [basebackup]\n")]
    [InlineData("      host: 10.0.0.1\n      create_replica_methods: basebackup\n")]
    public void Standby_cluster_settings_are_acted_on(string section) =>
        Assert.Empty(WarnedKeys(Base + "bootstrap:\n  dcs:\n    standby_cluster:\n" + section));

    [Fact]
    public void The_config_key_path_reports_methods_it_cannot_run()
    {
        var result = DynamicConfigValidator.Validate(new System.Text.Json.Nodes.JsonObject
        {
            ["standby_cluster"] = new System.Text.Json.Nodes.JsonObject { ["host"] = "h", ["create_replica_methods"] = new System.Text.Json.Nodes.JsonArray("wal_e", "basebackup") },
        });

        Assert.True(result.IsValid);
        Assert.Contains(result.Warnings, w => w.Path == "standby_cluster.create_replica_methods");
    }
}
