using NodeAgent.Configuration;

namespace NodeAgent.Tests.Configuration;

/// <summary>Values that used to validate and then fail later (UriFormatException in agentctl, a level silently ignored).</summary>
public sealed class EndpointAndLevelValidationTests
{
    private static ConfigValidationResult Check(string etcd3, string log = "") => ConfigLoader.ReadText(
        $"scope: s\nname: n\npostgresql:\n  data_dir: /d\n  listen: 127.0.0.1:5432\netcd3:\n{etcd3}{log}", SeedConfig.NoEnv, checkMachine: false);

    [Theory]
    [InlineData("  hosts: []\n")]
    [InlineData("  hosts: ''\n")]
    [InlineData("  hosts: 'a:b:c'\n")]
    [InlineData("  hosts: 'host with space:2379'\n")]
    [InlineData("  hosts: [e1:0]\n")]
    [InlineData("  hosts: [e1:65536]\n")]
    [InlineData("  hosts: [e1:port]\n")]
    [InlineData("  host: 'a b'\n")]
    public void Unusable_etcd_endpoints_are_errors_naming_the_key(string etcd3)
    {
        var result = Check(etcd3);

        Assert.False(result.IsValid);
        Assert.Contains(result.Errors, e => e.Path is "etcd3.hosts" or "etcd3.host");
    }

    [Theory]
    [InlineData("  hosts: [etcd_1:2379, '[::1]:2379', 10.0.0.1]\n")]
    [InlineData("  hosts: e1.example.com:2379\n")]
    public void Names_with_underscores_and_addresses_are_fine(string etcd3)
    {
        Assert.True(Check(etcd3).IsValid);
    }

    [Fact]
    public void Unknown_log_level_names_the_key_and_lists_the_valid_ones()
    {
        var result = Check("  host: e1\n", "log:\n  level: LOUD\n");

        var error = Assert.Single(result.Errors);
        Assert.Equal("log.level", error.Path);
        Assert.Contains("DEBUG, INFO, WARNING", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("debug")]
    [InlineData("WARN")]
    [InlineData("CRITICAL")]
    public void Python_level_names_are_accepted_in_any_case(string level)
    {
        Assert.True(Check("  host: e1\n", $"log:\n  level: {level}\n").IsValid);
    }

    [Theory]
    [InlineData("'a:b:c'")]
    [InlineData("'host with space:2379'")]
    [InlineData("[]")]
    public async Task Agentctl_refuses_bad_endpoints_with_an_error_line(string hosts)
    {
        using var file = new TempConfigFile($"scope: s\netcd3:\n  hosts: {hosts}\n");

        var result = await NodeAgent.Tests.Ctl.CtlHarness.RunAsync("", "-c", file.Path, "list");

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("Error: etcd3.hosts: ", result.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Agentctl_refuses_a_bad_dcs_url()
    {
        using var file = new TempConfigFile("scope: s\n");

        var result = await NodeAgent.Tests.Ctl.CtlHarness.RunAsync("", "-c", file.Path, "-d", "etcd3://a b:2379", "list");

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("Error: etcd3.hosts: 'a b:2379'", result.Err, StringComparison.Ordinal);
    }
}
