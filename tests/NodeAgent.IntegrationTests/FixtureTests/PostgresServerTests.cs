using Npgsql;
using NodeAgent.IntegrationTests.Fixtures;

namespace NodeAgent.IntegrationTests.FixtureTests;

public sealed class PostgresServerTests
{
    [Fact]
    public async Task Select_runs_over_tcp_with_password_auth_as_postgres()
    {
        await using var server = await PostgresServer.StartAsync();
        await using var connection = await server.OpenConnectionAsync();
        await using var command = new NpgsqlCommand(
            "SELECT current_user, inet_server_addr()::text, current_setting('server_version_num')::int", connection);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());

        Assert.Equal("postgres", reader.GetString(0));
        Assert.Equal(server.Address + "/32", reader.GetString(1));
        Assert.InRange(reader.GetInt32(2), 150000, 159999);
    }

    [Fact]
    public async Task A_wrong_password_is_rejected()
    {
        await using var server = await PostgresServer.StartAsync();
        var builder = new NpgsqlConnectionStringBuilder(server.ConnectionString) { Password = "wrong" };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);

        var error = await Assert.ThrowsAsync<PostgresException>(() => connection.OpenAsync());
        Assert.Equal("28P01", error.SqlState);
    }

    [Fact]
    public async Task Dispose_stops_postgres_and_removes_the_data_dir()
    {
        var server = await PostgresServer.StartAsync();
        var pid = server.Pid!.Value;
        var dataDir = server.DataDir;
        Assert.Equal("postgres", OwnerOf(pid));

        await server.DisposeAsync();

        Assert.False(Directory.Exists(dataDir));
        Assert.False(Directory.Exists($"/proc/{pid}"), "postmaster survived dispose");
    }

    [Fact]
    public async Task RunAsPostgres_runs_commands_as_the_postgres_user()
    {
        var output = await PostgresUser.RunAsPostgresAsync("/usr/bin/id", ["-un"]);
        Assert.Equal("postgres", output.Trim());
    }

    private static string OwnerOf(int pid)
    {
        var uidLine = File.ReadAllLines($"/proc/{pid}/status").First(l => l.StartsWith("Uid:", StringComparison.Ordinal));
        var uid = uidLine.Split('\t', StringSplitOptions.RemoveEmptyEntries)[1];
        var passwd = File.ReadAllLines("/etc/passwd").Select(l => l.Split(':')).First(f => f[2] == uid);
        return passwd[0];
    }
}
