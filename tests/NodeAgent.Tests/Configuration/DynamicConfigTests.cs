using System.Text.Json.Nodes;
using NodeAgent.Configuration;

namespace NodeAgent.Tests.Configuration;

public sealed class DynamicConfigTests
{
    [Fact]
    public void Json_round_trip_from_the_yaml_bootstrap_section()
    {
        var written = ConfigLoader.ReadText(SeedConfig.Text, SeedConfig.NoEnv, checkMachine: false).Config!.Bootstrap;
        var fromEtcd = JsonNode.Parse(written.DcsJson.ToJsonString())!.AsObject();

        var parsed = DynamicConfigParser.FromJson(fromEtcd);

        Assert.Equal(written.Dcs.Ttl, parsed.Ttl);
        Assert.Equal(written.Dcs.Postgresql.Parameters, parsed.Postgresql.Parameters);
        Assert.Equal(written.Dcs.Slots, parsed.Slots);
        Assert.Equal(written.Dcs with { Postgresql = parsed.Postgresql, Slots = parsed.Slots, IgnoreSlots = parsed.IgnoreSlots }, parsed);
    }

    [Theory]
    [InlineData("\"quorum\"", true, true)]
    [InlineData("\"Quorum\"", true, true)]
    [InlineData("true", true, false)]
    [InlineData("\"off\"", false, false)]
    public void Synchronous_mode_quorum_is_quorum_commit_as_in_patroni_4(string value, bool synchronous, bool quorum)
    {
        var config = DynamicConfigParser.FromJson(JsonNode.Parse("{\"synchronous_mode\":" + value + "}")!.AsObject(), out var warnings);

        Assert.Empty(warnings);
        Assert.Equal((synchronous, quorum), (config.SynchronousMode, config.QuorumCommit));
    }

    [Fact]
    public void Tolerant_of_strings_aliases_and_unknown_keys()
    {
        var json = JsonNode.Parse("""
            {"ttl":"20","loop_wait":"5","retry_timeout":4.0,"master_start_timeout":60,"master_stop_timeout":"7",
             "primary_stop_timeout":9,"synchronous_mode":"on","pause":true,"whatever":{"x":1},
             "postgresql":{"parameters":{"hot_standby":true,"max_connections":100,"wal_keep_size":"128MB"},"use_slots":false,"listen":"x"},
             "permanent_slots":{"s1":{"type":"logical","database":"db","plugin":"pgoutput"},"s2":null},
             "ignore_slots":[{"name":"debezium","type":"logical"}],
             "standby_cluster":{"host":"10.0.0.1","port":"5433","create_replica_methods":["basebackup"]}}
            """)!.AsObject();

        var config = DynamicConfigParser.FromJson(json, out var warnings);

        Assert.Empty(warnings);
        Assert.Equal((20, 5, 4), (config.Ttl, config.LoopWait, config.RetryTimeout));
        Assert.Equal(60, config.PrimaryStartTimeout);
        Assert.Equal(9, config.PrimaryStopTimeout);
        Assert.True(config.SynchronousMode);
        Assert.True(config.Pause);
        Assert.False(config.Postgresql.UseSlots);
        Assert.Equal("on", config.Postgresql.Parameters["hot_standby"]);
        Assert.Equal("100", config.Postgresql.Parameters["max_connections"]);
        Assert.Equal(new SlotConfig("logical", "db", "pgoutput"), config.Slots["s1"]);
        Assert.Equal(new SlotConfig("physical", null, null), config.Slots["s2"]);
        Assert.Equal(new IgnoreSlotRule("debezium", "logical", null, null), Assert.Single(config.IgnoreSlots));
        Assert.Equal(("10.0.0.1", 5433), (config.StandbyCluster!.Host, config.StandbyCluster.Port));
    }

    [Fact]
    public void Bad_values_keep_defaults_and_are_reported()
    {
        var json = JsonNode.Parse("""{"ttl":"abc","loop_wait":[1],"check_timeline":"maybe"}""")!.AsObject();

        var config = DynamicConfigParser.FromJson(json, out var warnings);

        Assert.Equal((30, 10, false), (config.Ttl, config.LoopWait, config.CheckTimeline));
        Assert.Equal(["config.ttl", "config.loop_wait", "config.check_timeline"], warnings.Select(w => w.Path));
        Assert.All(warnings, w => Assert.Equal(ConfigSeverity.Warning, w.Severity));
    }

    [Fact]
    public void Empty_standby_cluster_is_not_a_standby_cluster()
    {
        var config = DynamicConfigParser.FromJson(JsonNode.Parse("""{"standby_cluster":{"host":"","port":""}}""")!.AsObject());

        Assert.Null(config.StandbyCluster);
    }

    [Theory]
    [InlineData("debezium", "logical", "app", "pgoutput", true)]
    [InlineData("debezium", "physical", null, null, false)]
    [InlineData("other", "logical", "app", "pgoutput", false)]
    public void Ignore_slot_rule_matches_when_every_given_attribute_matches(string name, string type, string? database, string? plugin, bool matches)
    {
        var rule = new IgnoreSlotRule("debezium", "logical", null, null);

        Assert.Equal(matches, rule.Matches(name, type, database, plugin));
        Assert.True(new IgnoreSlotRule(null, null, null, null).Matches(name, type, database, plugin));
        Assert.False(new IgnoreSlotRule(name, type, "elsewhere", null).Matches(name, type, database, plugin));
    }
}

public sealed class DynamicConfigFromClrValuesTests
{
    [Fact]
    public void A_config_built_in_code_reads_like_one_read_back_from_etcd()
    {
        var built = new System.Text.Json.Nodes.JsonObject { ["ttl"] = 10, ["loop_wait"] = 2, ["retry_timeout"] = 3, ["pause"] = true };

        var config = DynamicConfigParser.FromJson(built, out var warnings);

        Assert.Empty(warnings);
        Assert.Equal((10, 2, 3, true), (config.Ttl, config.LoopWait, config.RetryTimeout, config.Pause));
    }
}
