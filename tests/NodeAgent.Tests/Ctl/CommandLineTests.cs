using NodeAgent.Ctl;
using NodeAgent.Ctl.Cli;
using NodeAgent.Ctl.Commands;

namespace NodeAgent.Tests.Ctl;

/// <summary>Argument parsing and the error texts and exit codes click gives for bad command lines.</summary>
public sealed class CommandLineTests
{
    [Fact]
    public void Options_take_values_separately_attached_or_after_equals()
    {
        var parsed = ArgParser.Parse(ListCommand.List, ["-fjson", "--watch=1.5", "-eW", "c1", "c2"])!;

        Assert.Equal("json", parsed.Value("format"));
        Assert.Equal(1.5, parsed.Number("watch"));
        Assert.True(parsed.Flag("extended"));
        Assert.True(parsed.Flag("W"));
        Assert.Equal(["c1", "c2"], parsed.Arguments("CLUSTER_NAMES"));
    }

    [Fact]
    public void Repeated_options_are_all_kept_and_the_last_single_value_wins()
    {
        var parsed = ArgParser.Parse(EditConfigCommand.Spec, ["-s", "ttl=40", "--set", "loop_wait=5", "-p", "work_mem=8MB", "--apply", "a", "--apply", "b"])!;

        Assert.Equal(["ttl=40", "loop_wait=5"], parsed.Values("set"));
        Assert.Equal(["work_mem=8MB"], parsed.Values("pg"));
        Assert.Equal("b", parsed.Value("apply"));
    }

    [Fact]
    public void Switchover_accepts_primary_and_master_for_leader()
    {
        Assert.Equal("pg1", ArgParser.Parse(SwitchoverCommand.Switchover, ["--master", "pg1"])!.Value("leader"));
        Assert.Equal("pg1", ArgParser.Parse(SwitchoverCommand.Switchover, ["--primary=pg1"])!.Value("leader"));
    }

    [Fact]
    public void Required_arguments_after_a_variadic_one_are_taken_from_the_end()
    {
        var parsed = ArgParser.Parse(FlushCommand.Spec, ["c1", "m1", "m2", "restart"])!;

        Assert.Equal("c1", parsed.Argument("CLUSTER_NAME"));
        Assert.Equal(["m1", "m2"], parsed.Arguments("MEMBER_NAMES"));
        Assert.Equal("restart", parsed.Argument("{restart|switchover}"));
    }

    [Fact]
    public void Double_dash_ends_the_options()
    {
        var parsed = ArgParser.Parse(ListCommand.List, ["--", "-e"])!;

        Assert.False(parsed.Flag("extended"));
        Assert.Equal(["-e"], parsed.Arguments("CLUSTER_NAMES"));
    }

    [Fact]
    public void Help_anywhere_in_the_command_asks_for_help()
    {
        Assert.Null(ArgParser.Parse(MemberActionCommands.Restart, ["c1", "--help"]));
    }

    [Theory]
    [InlineData("Usage: agentctl list [OPTIONS] [CLUSTER_NAMES]...\nTry 'agentctl list --help' for help.\n\nError: No such option: --bogus\n", "list", "--bogus")]
    [InlineData("Usage: agentctl restart [OPTIONS] CLUSTER_NAME [MEMBER_NAMES]...\nTry 'agentctl restart --help' for help.\n\nError: Missing argument 'CLUSTER_NAME'.\n", "restart")]
    [InlineData("Usage: agentctl dsn [OPTIONS] [CLUSTER_NAME]\nTry 'agentctl dsn --help' for help.\n\nError: Got unexpected extra argument (b)\n", "dsn", "a", "b")]
    [InlineData("Usage: agentctl [OPTIONS] COMMAND [ARGS]...\nTry 'agentctl --help' for help.\n\nError: No such command 'nope'.\n", "nope")]
    [InlineData("Usage: agentctl [OPTIONS] COMMAND [ARGS]...\nTry 'agentctl --help' for help.\n\nError: No such option: --bogus\n", "--bogus")]
    [InlineData("Error: Option '-f' requires an argument.\n", "list", "-f")]
    [InlineData("Error: Option '--extended' does not take a value.\n", "list", "--extended=1")]
    public async Task Bad_command_lines_exit_2_with_clicks_messages(string expected, params string[] args)
    {
        var result = await CtlHarness.RunAsync("", args);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal(expected, result.Err);
        Assert.Equal("", result.Out);
    }

    [Fact]
    public async Task A_missing_explicit_config_file_is_an_error()
    {
        var result = await CtlHarness.RunAsync("", "-c", "/nonexistent/agentctl.yml", "list");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("Error: Provided config file /nonexistent/agentctl.yml not existing or no read rights. Check the -c/--config-file parameter\n", result.Err);
    }

    [Fact]
    public async Task Version_prints_our_version()
    {
        var result = await CtlHarness.RunAsync("", "version");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal($"agentctl version {NodeAgent.AgentVersion.Current}\n", result.Out);
    }

    [Fact]
    public void Config_file_comes_from_option_then_agentctl_then_patronictl_variables()
    {
        var env = new Dictionary<string, string> { ["AGENTCTL_CONFIG_FILE"] = "/a.yml", ["PATRONICTL_CONFIG_FILE"] = "/p.yml" };

        Assert.Equal("/c.yml", CtlSettings.ResolvePath("/c.yml", env));
        Assert.Equal("/a.yml", CtlSettings.ResolvePath(null, env));
        Assert.Equal("/p.yml", CtlSettings.ResolvePath(null, new Dictionary<string, string> { ["PATRONICTL_CONFIG_FILE"] = "/p.yml" }));
        Assert.Equal("/etc/node-agent/config.yml", CtlSettings.ResolvePath(null, new Dictionary<string, string>()));
    }

    [Theory]
    [InlineData("etcd3://10.0.0.1:2379", "10.0.0.1:2379")]
    [InlineData("127.0.0.5", "127.0.0.5:2379")]
    [InlineData("etcd://a:1,b:2", "a:1|b:2")]
    public void Dcs_url_means_etcd3_hosts(string url, string hosts)
    {
        Assert.Equal(hosts.Split('|'), DcsUrl.Parse(url));
    }

    [Fact]
    public void Dcs_url_with_another_scheme_is_refused()
    {
        var e = Assert.Throws<CtlException>(() => DcsUrl.Parse("consul://x:8500"));
        Assert.Equal("Unknown dcs scheme: consul", e.Message);
    }

    [Fact]
    public void Dcs_url_and_insecure_override_the_file()
    {
        var file = Path.Combine(Path.GetTempPath(), $"agentctl-{Guid.NewGuid():N}.yml");
        File.WriteAllText(file, "scope: s1\nnamespace: /ns/\netcd3:\n  hosts: 127.0.0.8:2379\nctl:\n  authentication:\n    username: u\n    password: p\n");
        try
        {
            var fromFile = CtlSettings.Load(file, null, insecure: false, new Dictionary<string, string>());
            var overridden = CtlSettings.Load(file, "etcd3://127.0.0.9:2379", insecure: true, new Dictionary<string, string> { ["PATRONI_SCOPE"] = "s2" });

            Assert.Equal(["127.0.0.8:2379"], fromFile.Config.Etcd3.Hosts);
            Assert.Equal(("s1", "/ns/", "u", false), (fromFile.Scope, fromFile.Config.Namespace, fromFile.Config.Ctl.Authentication?.Username, fromFile.Config.Ctl.Insecure));
            Assert.Equal(["127.0.0.9:2379"], overridden.Config.Etcd3.Hosts);
            Assert.True(overridden.Config.Ctl.Insecure);
            Assert.Equal("s2", overridden.Scope);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
