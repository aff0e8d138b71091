using NodeAgent.Configuration;
using Xunit.Abstractions;

namespace NodeAgent.IntegrationTests.Postgres;

/// <summary>The roles the agent creates after bootstrap, on a server that logs and tracks every statement.</summary>
public sealed class RolePasswordLoggingTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Sql = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task Role_passwords_reach_neither_the_statement_log_nor_pg_stat_statements()
    {
        var secret = "pw-" + Guid.NewGuid().ToString("N");
        await using var node = new PostgresNode(output, "pg-roles", "127.0.41.6", c => c with
        {
            Bootstrap = c.Bootstrap with
            {
                Users = new Dictionary<string, BootstrapUser> { ["app"] = new(secret, ["CREATEDB"]) },
            },
            Postgresql = c.Postgresql with
            {
                Parameters = new Dictionary<string, string>(c.Postgresql.Parameters)
                {
                    ["log_statement"] = "all",
                    ["log_min_duration_statement"] = "0",
                    ["logging_collector"] = "on",
                    ["log_directory"] = "log",
                    ["log_filename"] = "postgresql.log",
                    ["shared_preload_libraries"] = "pg_stat_statements",
                    ["pg_stat_statements.track_utility"] = "on",
                },
            },
        });
        var log = Path.Combine(node.DataDir, "log", "postgresql.log");

        await node.InitAndStartPrimaryAsync();
        var marker = "roles-done-" + Guid.NewGuid().ToString("N");
        await node.Instance.Sql.ScalarAsync<string>($"SELECT '{marker}'", Sql, CancellationToken.None);
        // The logging collector writes asynchronously: wait until the statement after the roles is in the file.
        await Eventually.TrueAsync(
            () => Task.FromResult(File.Exists(log) && File.ReadAllText(log).Contains(marker, StringComparison.Ordinal)),
            TimeSpan.FromSeconds(30), "the marker statement in the postgres log");
        await node.Instance.Sql.ExecuteAsync("CREATE EXTENSION pg_stat_statements", Sql, CancellationToken.None);

        var text = await File.ReadAllTextAsync(log);
        Assert.True(await node.Instance.Sql.ScalarAsync<bool>(
            "SELECT rolcreatedb FROM pg_catalog.pg_roles WHERE rolname = 'app'", Sql, CancellationToken.None));
        // The statements around the roles were logged and tracked, so the settings were in force for the agent.
        Assert.Contains("GRANT EXECUTE ON FUNCTION pg_catalog.pg_ls_dir", text, StringComparison.Ordinal);
        Assert.True(await CountStatementsLikeAsync(node, "%GRANT EXECUTE%") > 0);
        foreach (var password in new[] { secret, PostgresNode.Password.Replace("'", "''", StringComparison.Ordinal) })
        {
            Assert.DoesNotContain(password, text, StringComparison.Ordinal);
            Assert.Equal(0, await CountStatementsLikeAsync(node, "%" + password + "%"));
        }
    }

    private static Task<long> CountStatementsLikeAsync(PostgresNode node, string pattern) =>
        node.Instance.Sql.ScalarAsync<long>(
            "SELECT count(*) FROM pg_stat_statements WHERE query LIKE @p", Sql, CancellationToken.None, ("p", pattern));
}
