using Npgsql;
using NodeAgent.Configuration;
using NodeAgent.Postgres;
using NodeAgent.Postgres.Rewind;

namespace NodeAgent.Tests.Postgres;

/// <summary>The rewind check's connection to the leader: the configured libpq settings, in Npgsql's words.</summary>
public sealed class LeaderProbeConnectionTests
{
    private static NpgsqlConnectionStringBuilder Built(PostgresUser user) =>
        new(LeaderProbe.ConnectionString(new UpstreamTarget("u4", "postgres://127.0.1.84:5432/postgres"), user, "postgres"));

    [Theory]
    [InlineData(null, GssEncryptionMode.Disable)]
    [InlineData("disable", GssEncryptionMode.Disable)]
    [InlineData("prefer", GssEncryptionMode.Prefer)]
    [InlineData("REQUIRE", GssEncryptionMode.Require)]
    public void Gss_encryption_only_when_configured(string? gssencmode, GssEncryptionMode expected) =>
        Assert.Equal(expected, Built(new PostgresUser { Username = "rewind", GssEncMode = gssencmode }).GssEncryptionMode);

    [Fact]
    public void Host_port_user_and_ssl_mode_come_from_the_leader_and_the_rewind_user()
    {
        var built = Built(new PostgresUser { Username = "rewind", Password = "pw", SslMode = "require" });

        Assert.Equal(("127.0.1.84", 5432, "rewind", "pw", SslMode.Require), (built.Host, built.Port, built.Username, built.Password, built.SslMode));
    }
}
