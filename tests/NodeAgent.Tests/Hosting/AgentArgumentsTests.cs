using NodeAgent.Hosting;

namespace NodeAgent.Tests.Hosting;

public sealed class AgentArgumentsTests
{
    [Theory]
    [InlineData("--validate-config", "f.yml")]
    [InlineData("f.yml", "--validate-config")]
    public void Validate_config_is_a_flag_in_any_position(string first, string second)
    {
        var args = AgentArguments.Parse([first, second]);

        Assert.Null(args.Error);
        Assert.True(args.ValidateConfig);
        Assert.Equal("f.yml", args.ConfigFile);
    }

    [Fact]
    public void No_file_leaves_the_environment_to_supply_the_config()
    {
        var args = AgentArguments.Parse(["--validate-config"]);

        Assert.Null(args.ConfigFile);
        Assert.True(args.ValidateConfig);
    }

    [Theory]
    [InlineData("a.yml", "b.yml")]
    [InlineData("a.yml", "--loud")]
    public void Two_files_or_an_unknown_option_are_refused(string first, string second)
    {
        Assert.NotNull(AgentArguments.Parse([first, second]).Error);
    }

    [Fact]
    public void Version_and_help_are_flags_too()
    {
        Assert.True(AgentArguments.Parse(["f.yml", "--version"]).Version);
        Assert.True(AgentArguments.Parse(["f.yml", "-h"]).Help);
    }

    [Fact]
    public void Patroni_configuration_alone_is_a_config_source()
    {
        Assert.True(AgentCommandLine.HasEnvironmentConfig(new Dictionary<string, string> { ["PATRONI_CONFIGURATION"] = "scope: a" }));
        Assert.False(AgentCommandLine.HasEnvironmentConfig(new Dictionary<string, string> { ["HOME"] = "/root" }));
    }
}
