using NodeAgent.Configuration;
using NodeAgent.Postgres;

namespace NodeAgent.Tests.Postgres;

public sealed class ServerParametersTests
{
    private static SortedDictionary<string, string> Merge(Dictionary<string, string> dynamic, Dictionary<string, string> local, string listen = "0.0.0.0:5432") =>
        ServerParameters.Merge(
            new DynamicPostgresqlConfig { Parameters = dynamic },
            new PostgresqlConfig { Listen = listen, Parameters = local },
            "PGC1");

    [Fact]
    public void Local_overrides_dynamic_for_ordinary_parameters()
    {
        var p = Merge(new() { ["work_mem"] = "4MB", ["logging_collector"] = "on" }, new() { ["work_mem"] = "8MB" });
        Assert.Equal("8MB", p["work_mem"]);
        Assert.Equal("on", p["logging_collector"]);
    }

    [Fact]
    public void Command_line_parameters_come_only_from_dynamic_config()
    {
        var p = Merge(new() { ["max_connections"] = "200" }, new() { ["max_connections"] = "300", ["max_wal_senders"] = "20" });
        Assert.Equal("200", p["max_connections"]);
        Assert.Equal("10", p["max_wal_senders"]);
    }

    [Theory]
    [InlineData("max_connections", "10", "100")]
    [InlineData("max_wal_senders", "2", "10")]
    [InlineData("max_replication_slots", "3", "10")]
    [InlineData("max_worker_processes", "1", "8")]
    [InlineData("max_locks_per_transaction", "31", "64")]
    [InlineData("wal_level", "minimal", "replica")]
    [InlineData("wal_level", "logical", "logical")]
    [InlineData("hot_standby", "off", "on")]
    [InlineData("wal_log_hints", "off", "on")]
    [InlineData("track_commit_timestamp", "maybe", "off")]
    [InlineData("max_connections", "25", "25")]
    public void Invalid_dynamic_values_fall_back_to_defaults(string name, string value, string expected) =>
        Assert.Equal(expected, Merge(new() { [name] = value }, [])[name]);

    [Fact]
    public void Listen_port_and_cluster_name_are_derived_not_configurable()
    {
        var p = Merge(new() { ["listen_addresses"] = "*", ["port"] = "1" }, new() { ["port"] = "2", ["cluster_name"] = "x" }, "10.0.0.1,127.0.0.1:5433");
        Assert.Equal("10.0.0.1,127.0.0.1", p["listen_addresses"]);
        Assert.Equal("5433", p["port"]);
        Assert.Equal("PGC1", p["cluster_name"]);
    }

    [Fact]
    public void Wal_keep_segments_become_wal_keep_size()
    {
        Assert.Equal("128MB", Merge([], [])["wal_keep_size"]);
        Assert.Equal("64MB", Merge(new() { ["wal_keep_segments"] = "4" }, [])["wal_keep_size"]);
        Assert.Equal("1GB", Merge(new() { ["wal_keep_size"] = "1GB" }, new() { ["wal_keep_size"] = "2GB" })["wal_keep_size"]);
        Assert.False(Merge(new() { ["wal_keep_segments"] = "4" }, []).ContainsKey("wal_keep_segments"));
    }

    [Fact]
    public void Socket_directory_is_the_first_absolute_entry()
    {
        Assert.Equal("/tmp", ServerParameters.SocketDirectory(Merge([], new() { ["unix_socket_directories"] = "@abstract, /tmp,/run" }), "/default"));
        Assert.Equal("/default", ServerParameters.SocketDirectory(Merge([], []), "/default"));
    }

    [Fact]
    public void Command_line_options_cover_the_cmdline_gucs_only()
    {
        var options = PostgresInstance.CommandLineOptions(Merge(new() { ["work_mem"] = "4MB" }, []));
        Assert.Contains("--max_connections=100", options);
        Assert.Contains("--wal_log_hints=on", options);
        Assert.Contains("--cluster_name=PGC1", options);
        Assert.DoesNotContain(options, o => o.StartsWith("--work_mem", StringComparison.Ordinal) || o.StartsWith("--wal_keep", StringComparison.Ordinal));
    }
}
