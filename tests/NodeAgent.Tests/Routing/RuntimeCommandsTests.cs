using NodeAgent.Configuration;
using NodeAgent.Routing;

namespace NodeAgent.Tests.Routing;

public sealed class RuntimeCommandsTests
{
    private static readonly HaproxyRuntimeConfig Seed = new() { Addresses = ["/run/haproxy/admin.sock"] };

    /// <summary>HAProxy 2.6.12's answer to "show servers state primary" for the seed's three servers.</summary>
    internal const string ServersState = """
        1
        # be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl srv_check_port srv_check_addr srv_agent_addr srv_agent_port
        2 primary 1 u4 127.0.1.84 2 0 1 1 4 8 2 4 6 0 0 0 - 5432 - 0 8008 - - 8008
        2 primary 2 u5 127.0.1.85 0 0 1 1 3 8 2 0 6 0 0 0 - 5432 - 0 8008 - - 8008
        2 primary 3 u6 127.0.1.86 0 0 1 1 3 8 2 0 6 0 0 0 - 5432 - 0 8008 - - 8008


        """;

    [Fact]
    public void Promotion_takes_the_others_down_before_this_server_comes_up_then_leaves_the_replica_backend()
    {
        var commands = RuntimeCommands.Promote(Seed, "u5", RuntimeCommands.ParseServers(ServersState, "primary"));

        Assert.Equal(
            [
                "set server primary/u4 health down",
                "set server primary/u6 health down",
                "set server primary/u5 state ready",
                "set server primary/u5 health up",
                "set server replica/u5 health down",
            ],
            commands);
    }

    [Fact]
    public void Without_a_replica_backend_promotion_touches_the_primary_backend_only()
    {
        var commands = RuntimeCommands.Promote(Seed with { ReplicaBackend = "" }, "u4", ["u4"]);

        Assert.Equal(["set server primary/u4 state ready", "set server primary/u4 health up"], commands);
    }

    [Fact]
    public void Demotion_takes_this_server_out_of_the_primary_backend_only()
    {
        Assert.Equal(["set server primary/u4 health down"], RuntimeCommands.Withdraw(Seed, "u4"));
    }

    [Fact]
    public void A_server_missing_from_the_primary_backend_is_an_error_naming_the_key()
    {
        var e = Assert.Throws<RuntimeApiException>(() => RuntimeCommands.Promote(Seed, "db4", ["u4", "u5"]));

        Assert.Contains("haproxy_runtime.server", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_servers_of_the_named_backend_are_read_by_their_columns()
    {
        Assert.Equal(["u4", "u5", "u6"], RuntimeCommands.ParseServers(ServersState, "primary"));
    }

    [Theory]
    [InlineData("Can't find backend.\n\n")]
    [InlineData("Permission denied\n\n")]
    [InlineData("")]
    [InlineData("1\nno header here\n")]
    public void An_error_answer_to_the_server_list_is_reported_with_its_text(string answer)
    {
        var e = Assert.Throws<RuntimeApiException>(() => RuntimeCommands.ParseServers(answer, "primary"));

        Assert.Contains("show servers state primary", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("No such server.\n\n", "No such server.")]
    [InlineData("Permission denied\n\n", "Permission denied")]
    [InlineData("Unknown command, but maybe one of the following ones is a better match:\n  add acl\n", "Unknown command")]
    public void A_set_command_that_answers_anything_but_an_empty_line_failed(string answer, string expected)
    {
        var e = Assert.Throws<RuntimeApiException>(() => RuntimeCommands.CheckSetAnswer("set server primary/u4 health up", answer));

        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_line_is_success()
    {
        RuntimeCommands.CheckSetAnswer("set server primary/u4 health up", "\n");
    }
}
