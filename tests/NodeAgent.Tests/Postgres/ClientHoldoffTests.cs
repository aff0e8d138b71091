using NodeAgent.Tests.Component;
using NodeAgent.Postgres;

namespace NodeAgent.Tests.Postgres;

public sealed class ClientHoldoffTests
{
    [Fact]
    public void Unix_socket_only_empties_listen_addresses_and_keeps_every_other_option()
    {
        var options = PostgresInstance.CommandLineOptions(new Dictionary<string, string>
        {
            ["listen_addresses"] = "127.0.0.84", ["port"] = "5432", ["cluster_name"] = "batman", ["hot_standby"] = "on",
        });

        var held = ClientHoldoff.UnixSocketOnly(options);

        Assert.Equal(["--listen_addresses=", "--port=5432", "--cluster_name=batman", "--hot_standby=on"], held);
    }

    [Theory]
    [InlineData(null, true)]
    [InlineData("/var/run/postgresql", true)]
    [InlineData("@abstract, /tmp", true)]
    [InlineData("", false)]
    [InlineData("@abstract", false)]
    public void A_hold_off_needs_a_unix_socket_directory_to_keep(string? directories, bool possible)
    {
        var parameters = new Dictionary<string, string> { ["listen_addresses"] = "*" };
        if (directories is not null)
        {
            parameters["unix_socket_directories"] = directories;
        }

        Assert.Equal(possible, ClientHoldoff.IsPossible(parameters));
    }

    [Fact]
    public void Remaining_counts_down_on_the_monotonic_clock_and_is_null_without_a_hold_off()
    {
        var time = new FakeTimeProvider();
        var until = time.GetTimestamp() + (10 * time.TimestampFrequency);

        Assert.Null(ClientHoldoff.Remaining(null, time));
        Assert.Equal(TimeSpan.FromSeconds(10), ClientHoldoff.Remaining(until, time));
        time.Advance(TimeSpan.FromSeconds(10.5));
        Assert.True(ClientHoldoff.Remaining(until, time) < TimeSpan.Zero);
    }
}
