using NodeAgent.Configuration;

namespace NodeAgent.Tests.Configuration;

public sealed class Etcd3HostsTests
{
    private static Etcd3Config Etcd(string section)
    {
        var yaml = $"scope: s\nname: n\npostgresql:\n  data_dir: /d\n  listen: 127.0.0.1:5432\netcd3:\n{section}";
        var result = ConfigLoader.ReadText(yaml, SeedConfig.NoEnv, checkMachine: false);
        Assert.True(result.IsValid, string.Join("\n", result.Problems));
        return result.Config!.Etcd3;
    }

    [Theory]
    [InlineData("  host: 127.0.0.1:2380\n", new[] { "127.0.0.1:2380" })]
    [InlineData("  host: 127.0.0.1\n", new[] { "127.0.0.1:2379" })]
    [InlineData("  host: 127.0.0.1:2380\n  port: 2390\n", new[] { "127.0.0.1:2390" })]
    [InlineData("  hosts: a:1,b:2 , c\n", new[] { "a:1", "b:2", "c:2379" })]
    [InlineData("  hosts: [a:1, b]\n  port: 3000\n", new[] { "a:1", "b:3000" })]
    [InlineData("  hosts:\n  - a:1\n  - http://b:2\n", new[] { "a:1", "b:2" })]
    [InlineData("  url: http://e1:2381\n", new[] { "e1:2381" })]
    [InlineData("  url: http://e1\n", new[] { "e1:2379" })]
    [InlineData("  hosts: '[::1]:2379,[fe80::1]'\n", new[] { "[::1]:2379", "[fe80::1]:2379" })]
    public void Endpoints_are_normalised_to_host_port(string section, string[] expected)
    {
        Assert.Equal(expected, Etcd(section).Hosts);
    }

    [Fact]
    public void Proxy_sets_use_proxies_and_wins()
    {
        var etcd = Etcd("  proxy: https://p:2000\n  hosts: a:1\n");

        Assert.Equal(["p:2000"], etcd.Hosts);
        Assert.True(etcd.UseProxies);
        Assert.Equal("https", etcd.Protocol);
    }

    [Fact]
    public void Bad_port_in_hosts_is_an_error()
    {
        var yaml = "scope: s\nname: n\npostgresql:\n  data_dir: /d\netcd3:\n  hosts: a:xyz\n";

        var result = ConfigLoader.ReadText(yaml, SeedConfig.NoEnv, checkMachine: false);

        Assert.Equal("etcd3.hosts", Assert.Single(result.Errors).Path);
    }

    [Theory]
    [InlineData("/service", "c1", "/service/c1/")]
    [InlineData("/service/", "c1", "/service/c1/")]
    [InlineData("service", "c1", "/service/c1/")]
    [InlineData("//a//b/", "c1", "/a/b/c1/")]
    public void Key_prefix_collapses_slashes(string ns, string scope, string expected)
    {
        Assert.Equal(expected, new AgentConfig { Scope = scope, Name = "n", Namespace = ns }.KeyPrefix);
    }
}
