using NodeAgent.Configuration;
using NodeAgent.Postgres.Bootstrap;

namespace NodeAgent.Tests.Postgres;

/// <summary>The connection string post_bootstrap gets: Patroni's format_dsn(local_connect_kwargs, True).</summary>
public sealed class LocalDsnTests
{
    private static readonly PostgresUser Superuser = new() { Username = "postgres", Password = "pw" };

    [Theory]
    [InlineData("*", "dbname=postgres user=postgres host=localhost port=5432")]
    [InlineData("10.0.0.1,127.0.0.1", "dbname=postgres user=postgres host=localhost port=5432")]
    [InlineData("10.0.0.1, 10.0.0.2", "dbname=postgres user=postgres host=10.0.0.1 port=5432")]
    public void Tcp_goes_to_localhost_when_listening_there_else_to_the_first_address(string listen, string expected)
    {
        var parameters = new Dictionary<string, string> { ["listen_addresses"] = listen, ["port"] = "5432" };
        Assert.Equal(expected, LocalDsn.Format(parameters, useUnixSocket: false, Superuser, "postgres"));
    }

    [Fact]
    public void Use_unix_socket_takes_the_first_absolute_socket_directory()
    {
        var parameters = new Dictionary<string, string> { ["listen_addresses"] = "*", ["port"] = "6000", ["unix_socket_directories"] = "@abstract, /run/pg" };
        Assert.Equal("dbname=db user=postgres host=/run/pg port=6000 sslmode=require",
            LocalDsn.Format(parameters, useUnixSocket: true, Superuser with { SslMode = "require" }, "db"));
    }
}
