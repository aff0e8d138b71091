using System.Text.Json.Nodes;
using NodeAgent.Commands;
using NodeAgent.Configuration;
using NodeAgent.Configuration.Parsing;

namespace NodeAgent.Tests.Configuration;

/// <summary>The rules PUT/PATCH /config and agentctl edit-config apply, and their agreement with --validate-config.</summary>
public sealed class DynamicConfigValidatorTests
{
    /// <summary>bootstrap.dcs of the seed file, as the leader writes it to the config key (ttl 30, loop_wait 10, retry_timeout 10).</summary>
    private static JsonObject SeedDcs() => (JsonObject)YamlTree.ParseMapping(SeedConfig.Text)["bootstrap"]!["dcs"]!.DeepClone();

    private static JsonObject Patched(string patch) => JsonMergePatch.Apply(SeedDcs(), JsonNode.Parse(patch)!.AsObject());

    public static TheoryData<string, string, string> Refused() => new()
    {
        // patch applied to the seed dcs, the key named, a piece of the message
        { """{"ttl":5}""", "ttl", "10 + 2*10 = 30 > 5" },
        { """{"retry_timeout":11}""", "retry_timeout", "10 + 2*11 = 32 > 30" },
        { """{"loop_wait":11}""", "loop_wait", "11 + 2*10 = 31 > 30" },
        { """{"ttl":-1}""", "ttl", "> -1" },
        { """{"loop_wait":0}""", "loop_wait", "must be at least 1" },
        { """{"ttl":100000}""", "ttl", "must be at most 86400" },
        { """{"ttl":"abc"}""", "ttl", "expected an integer" },
        { """{"loop_wait":[10]}""", "loop_wait", "expected an integer" },
        { """{"retry_timeout":true}""", "retry_timeout", "expected an integer" },
        { """{"maximum_lag_on_failover":"1MB"}""", "maximum_lag_on_failover", "expected an integer" },
        { """{"pause":"maybe"}""", "pause", "expected a boolean" },
        { """{"synchronous_mode":{}}""", "synchronous_mode", "expected a boolean" },
        { """{"synchronous_mode":true,"synchronous_node_count":0}""", "synchronous_node_count", "must be at least 1" },
        { """{"postgresql":{"use_slots":"sometimes"}}""", "postgresql.use_slots", "expected a boolean" },
        { """{"postgresql":{"parameters":{"max_connections":[1,2]}}}""", "postgresql.parameters.max_connections", "expected a single value" },
        { """{"postgresql":"fast"}""", "postgresql", "expected a mapping" },
        { """{"slots":{"patroni":{"type":"virtual"}}}""", "slots.patroni.type", "must be physical or logical" },
        { """{"slots":{"s1":{"type":"logical"}}}""", "slots.s1.type", "needs database and plugin" },
        { """{"ignore_slots":"all"}""", "ignore_slots", "expected a list" },
        { """{"standby_cluster":"elsewhere"}""", "standby_cluster", "expected a mapping" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void A_bad_value_is_an_error_naming_the_key(string patch, string path, string message)
    {
        var result = DynamicConfigValidator.Validate(Patched(patch), SeedDcs());

        Assert.False(result.IsValid);
        var error = Assert.Single(result.Errors);
        Assert.Equal(path, error.Path);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.StartsWith(path + ": ", result.ErrorText, StringComparison.Ordinal);
    }

    public static TheoryData<string, string[]> Accepted() => new()
    {
        // patch applied to the seed dcs, the warnings expected (they never block)
        { """{}""", [] },
        { """{"ttl":40,"maximum_lag_on_failover":1048576,"pause":true}""", [] },
        { """{"ttl":"30","loop_wait":"10","retry_timeout":10.0}""", [] },
        { """{"loop_wait":null,"retry_timeout":null}""", [] },
        { """{"ttl":20,"loop_wait":2,"retry_timeout":9}""", [] },
        { """{"ttl":5,"loop_wait":1,"retry_timeout":2}""", ["retry_timeout", "ttl"] },
        { """{"colour":"blue"}""", ["colour"] },
        { """{"postgresql":{"listen":"0.0.0.0:5432"}}""", ["postgresql.listen"] },
    };

    [Theory]
    [MemberData(nameof(Accepted))]
    public void A_good_config_passes_and_warnings_do_not_block(string patch, string[] warnings)
    {
        var result = DynamicConfigValidator.Validate(Patched(patch), SeedDcs());

        Assert.True(result.IsValid, result.ErrorText);
        Assert.NotNull(result.Config);
        Assert.Equal(warnings, result.Warnings.Select(w => w.Path).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Typed_result_holds_the_new_values()
    {
        var result = DynamicConfigValidator.Validate(Patched("""{"ttl":"40","loop_wait":5}"""), SeedDcs());

        Assert.Equal((40, 5, 10), (result.Config!.Ttl, result.Config.LoopWait, result.Config.RetryTimeout));
    }

    [Fact]
    public void Without_a_previous_config_the_timer_rule_blames_retry_timeout_as_the_file_check_does()
    {
        var result = DynamicConfigValidator.Validate(Patched("""{"ttl":5}"""));

        Assert.Equal("retry_timeout", Assert.Single(result.Errors).Path);
    }

    [Fact]
    public void A_retry_timeout_whose_double_overflows_an_int_still_breaks_the_timer_rule()
    {
        var result = DynamicConfigValidator.Validate(Patched("""{"retry_timeout":1100000000}"""), SeedDcs());

        Assert.False(result.IsValid);
        Assert.Contains(result.Errors, e => e.Path == "retry_timeout" && e.Message.Contains("loop_wait + 2*retry_timeout <= ttl", StringComparison.Ordinal));
        var adjusted = DynamicConfigTimeouts.Adjust(new DynamicConfig { RetryTimeout = 1_100_000_000 }).Config;
        Assert.True(adjusted.LoopWait + (2 * adjusted.RetryTimeout) <= adjusted.Ttl, $"{adjusted}");
    }

    [Fact]
    public void A_change_is_refused_only_for_the_errors_it_brings_in()
    {
        // Another tool stored a config that breaks the timer rule: pausing must still be possible.
        var broken = Patched("""{"ttl":25}""");
        var pause = JsonMergePatch.Apply(broken, JsonNode.Parse("""{"pause":true}""")!.AsObject());

        var paused = DynamicConfigValidator.ValidateChange(pause, broken);
        Assert.True(paused.IsValid);
        Assert.Contains(paused.Warnings, w => w.Path == "retry_timeout" && w.Message.EndsWith("(already so in the stored config)", StringComparison.Ordinal));

        var worse = JsonMergePatch.Apply(broken, JsonNode.Parse("""{"loop_wait":0}""")!.AsObject());
        Assert.False(DynamicConfigValidator.ValidateChange(worse, broken).IsValid);
        Assert.False(DynamicConfigValidator.ValidateChange(Patched("""{"ttl":5}"""), SeedDcs()).IsValid);
    }

    [Fact]
    public void Several_errors_are_all_reported_on_one_line()
    {
        var result = DynamicConfigValidator.Validate(Patched("""{"pause":"maybe","ttl":5}"""), SeedDcs());

        Assert.Equal(["pause", "ttl"], result.Errors.Select(e => e.Path).Order(StringComparer.Ordinal));
        Assert.DoesNotContain('\n', result.ErrorText);
    }

    /// <summary>One rule set: every case gives the same errors whether it sits in bootstrap.dcs of a file or arrives at the door.</summary>
    public static TheoryData<string> RefusedPatches() => [.. Refused().Select(row => (string)row[0])];

    [Theory]
    [MemberData(nameof(RefusedPatches))]
    public void The_file_check_reports_the_same_errors_under_bootstrap_dcs(string patch)
    {
        var dcs = Patched(patch);
        var tree = YamlTree.ParseMapping(SeedConfig.Text);
        tree["bootstrap"]!["dcs"] = dcs.DeepClone();

        var file = ConfigValidator.Validate(tree, checkMachine: false);
        var door = DynamicConfigValidator.Validate(dcs);

        Assert.Equal(
            door.Errors.Select(e => ("bootstrap.dcs." + e.Path, e.Message)),
            file.Errors.Select(e => (e.Path, e.Message)));
        Assert.NotEmpty(door.Errors);
    }
}
