using NodeAgent.Configuration;

namespace NodeAgent.Tests.Configuration;

/// <summary>A problem with a value from a PATRONI_* variable names the variable, not the file.</summary>
public sealed class EnvironmentOriginTests
{
    private static ConfigValidationResult ReadSeedWith(string variable, string value)
    {
        var env = new Dictionary<string, string> { [variable] = value };
        return ConfigLoader.Read(SeedConfig.Path, env, checkMachine: false);
    }

    [Fact]
    public void A_bad_scalar_from_the_environment_names_its_variable()
    {
        var result = ReadSeedWith("PATRONI_RESTAPI_LISTEN", "nonsense");

        var error = Assert.Single(result.Errors);
        Assert.Equal("PATRONI_RESTAPI_LISTEN", error.Source);
        Assert.StartsWith("error: PATRONI_RESTAPI_LISTEN: restapi.listen: ", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_endpoint_list_from_the_environment_names_its_variable()
    {
        var result = ReadSeedWith("PATRONI_ETCD3_HOSTS", "'a:b:c'");

        Assert.Equal("PATRONI_ETCD3_HOSTS", Assert.Single(result.Errors).Source);
    }

    [Fact]
    public void Malformed_yaml_in_a_variable_names_the_variable_and_key()
    {
        var result = ReadSeedWith("PATRONI_ETCD3_HOSTS", "[a:1, b:2");

        var error = Assert.Single(result.Errors);
        Assert.Equal("PATRONI_ETCD3_HOSTS", error.Source);
        Assert.Equal("etcd3.hosts", error.Path);
    }

    [Fact]
    public void Errors_in_patroni_configuration_name_it_with_line_and_column()
    {
        var env = new Dictionary<string, string> { ["PATRONI_CONFIGURATION"] = "scope: [PGC1\nname: u4\n" };

        var error = Assert.Single(ConfigLoader.Read(null, env, checkMachine: false).Errors);

        Assert.Equal("PATRONI_CONFIGURATION", error.Source);
        Assert.Equal(2, error.Line);
    }

    [Fact]
    public void A_value_from_the_file_keeps_the_file_and_its_line()
    {
        var env = new Dictionary<string, string> { ["PATRONI_NAME"] = "u5" };
        using var file = new TempConfigFile(SeedConfig.Replace("ttl: 30", "ttl: abc"));
        var error = Assert.Single(ConfigLoader.Read(file.Path, env, checkMachine: false).Errors);

        Assert.Equal(file.Path, error.Source);
        Assert.True(error.Line > 0);
    }
}
