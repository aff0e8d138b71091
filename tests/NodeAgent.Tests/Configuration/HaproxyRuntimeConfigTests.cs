using NodeAgent.Configuration;

namespace NodeAgent.Tests.Configuration;

public sealed class HaproxyRuntimeConfigTests
{
    private static ConfigValidationResult Check(string section) =>
        ConfigLoader.ReadText(SeedConfig.Text + "\nhaproxy_runtime:\n" + section, SeedConfig.NoEnv, checkMachine: false);

    [Fact]
    public void Absent_means_off()
    {
        var result = ConfigLoader.ReadText(SeedConfig.Text, SeedConfig.NoEnv, checkMachine: false);

        Assert.True(result.IsValid);
        Assert.False(result.Config!.HaproxyRuntime.Enabled);
    }

    [Fact]
    public void An_address_alone_takes_the_seed_backend_names_and_the_member_name()
    {
        var result = Check("  address: /run/haproxy/admin.sock\n");

        Assert.True(result.IsValid, string.Join("; ", result.Problems));
        var runtime = result.Config!.HaproxyRuntime;
        Assert.Equal(["/run/haproxy/admin.sock"], runtime.Addresses);
        Assert.Equal("primary", runtime.PrimaryBackend);
        Assert.Equal("replica", runtime.ReplicaBackend);
        Assert.Equal("u4", runtime.ServerName(result.Config.Name));
        Assert.Equal(1, runtime.Timeout);
        Assert.DoesNotContain(result.Warnings, w => w.Path.StartsWith("haproxy_runtime", StringComparison.Ordinal));
    }

    [Fact]
    public void Every_key_is_read()
    {
        var result = Check("  address: [127.0.1.87:9999, /run/haproxy/admin.sock]\n  primary_backend: pg_rw\n  replica_backend: ''\n  server: db4\n  timeout: 0.5\n");

        Assert.True(result.IsValid, string.Join("; ", result.Problems));
        var runtime = result.Config!.HaproxyRuntime;
        Assert.Equal(["127.0.1.87:9999", "/run/haproxy/admin.sock"], runtime.Addresses);
        Assert.Equal("pg_rw", runtime.PrimaryBackend);
        Assert.Equal("", runtime.ReplicaBackend);
        Assert.Equal("db4", runtime.ServerName("u4"));
        Assert.Equal(0.5, runtime.Timeout);
    }

    [Theory]
    [InlineData("  primary_backend: primary\n", "haproxy_runtime.address")]
    [InlineData("  address: haproxy.sock\n", "haproxy_runtime.address")]
    [InlineData("  address: 127.0.0.1:99999\n", "haproxy_runtime.address")]
    [InlineData("  address: /run/a.sock\n  primary_backend: 'a b'\n", "haproxy_runtime.primary_backend")]
    [InlineData("  address: /run/a.sock\n  server: 'u4;shutdown'\n", "haproxy_runtime.server")]
    [InlineData("  address: /run/a.sock\n  replica_backend: primary\n", "haproxy_runtime.replica_backend")]
    [InlineData("  address: /run/a.sock\n  timeout: 0\n", "haproxy_runtime.timeout")]
    [InlineData("  address: /run/a.sock\n  timeout: soon\n", "haproxy_runtime.timeout")]
    public void Bad_input_is_an_error_naming_the_key(string section, string path)
    {
        var result = Check(section);

        Assert.False(result.IsValid);
        Assert.Contains(result.Errors, e => e.Path == path);
    }

    [Fact]
    public void An_unknown_key_is_warned_about()
    {
        var result = Check("  address: /run/a.sock\n  level: admin\n");

        Assert.True(result.IsValid);
        Assert.Contains(result.Warnings, w => w.Path == "haproxy_runtime.level");
    }
}
