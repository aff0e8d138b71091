using Npgsql;
using NodeAgent.Configuration;
using NodeAgent.Postgres;
using Xunit.Abstractions;

namespace NodeAgent.IntegrationTests.Postgres;

/// <summary>
/// A promotion that postgres does not finish within a second is asked for again (a request can sit behind a
/// wal_retrieve_retry_interval sleep); the requests it did not need leave no promote signal file behind.
/// </summary>
public sealed class PromoteResendTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task A_promotion_held_up_by_replay_is_requested_again_and_leaves_no_signal_file()
    {
        await using var primary = new PostgresNode(output, "pg-p", "127.0.44.5");
        // Replay waits for as long as a standby query conflicts with it, so the promotion cannot end before the test lets it.
        await using var replica = new PostgresNode(output, "pg-r", "127.0.44.6", c => c with
        {
            Postgresql = c.Postgresql with
            {
                Parameters = new Dictionary<string, string>(c.Postgresql.Parameters)
                {
                    ["max_standby_streaming_delay"] = "-1", ["max_standby_archive_delay"] = "-1",
                },
            },
        });
        await primary.InitAndStartPrimaryAsync();
        await primary.Instance.Sql.ExecuteAsync("CREATE TABLE held (id int); INSERT INTO held VALUES (1)", Budget, CancellationToken.None);
        await primary.Instance.SyncReplicationSlotsAsync(new HashSet<string> { SlotNames.FromMemberName(replica.Name) }, CancellationToken.None);
        await replica.Instance.CloneFromAsync(primary.AsUpstream, CancellationToken.None);
        Assert.True(await replica.Instance.StartAsync(asPrimary: false, primary.AsUpstream, CancellationToken.None));

        await using var reader = new NpgsqlConnection(SqlConnector.BuildConnectionString(replica.SocketDir, replica.Port, "postgres", PostgresNode.Password, "postgres", 30));
        await Eventually.TrueAsync(async () => await CountAsync(reader) == 1, TimeSpan.FromSeconds(60), "the table on the replica");
        await using (var begin = new NpgsqlCommand("BEGIN; SELECT count(*) FROM held", reader))
        {
            await begin.ExecuteNonQueryAsync();
        }

        await primary.Instance.Sql.ExecuteAsync("DROP TABLE held", Budget, CancellationToken.None);
        var dropped = await primary.Instance.Sql.ScalarAsync<string>("SELECT pg_current_wal_lsn()::text", Budget, CancellationToken.None);
        await Eventually.TrueAsync(async () => await replica.Instance.Sql.ScalarAsync<bool>(
            "SELECT pg_last_wal_receive_lsn() >= @lsn::pg_lsn", Budget, CancellationToken.None, ("lsn", dropped)), TimeSpan.FromSeconds(60), "the DROP received");
        await primary.Instance.StopAsync(StopMode.Fast, checkpoint: false, CancellationToken.None);

        var promotion = replica.Instance.PromoteAsync(CancellationToken.None);
        // Replay is stuck behind the reader: the promotion must still be waiting after the first re-send is due.
        await Task.WhenAny(promotion, Task.Delay(TimeSpan.FromSeconds(2.5)));
        Assert.False(promotion.IsCompleted, "the promotion ended while replay was held up");
        Assert.True(await replica.Instance.Sql.ScalarAsync<bool>("SELECT pg_is_in_recovery()", Budget, CancellationToken.None));

        await using (var end = new NpgsqlCommand("ROLLBACK", reader))
        {
            await end.ExecuteNonQueryAsync();
        }

        Assert.True(await promotion);
        Assert.False(await replica.Instance.Sql.ScalarAsync<bool>("SELECT pg_is_in_recovery()", Budget, CancellationToken.None));
        Assert.False(File.Exists(Path.Combine(replica.DataDir, "promote")), "a promote signal file was left in the data directory");
    }

    private static async Task<long> CountAsync(NpgsqlConnection connection)
    {
        try
        {
            if (connection.State != System.Data.ConnectionState.Open)
            {
                await connection.CloseAsync();
                await connection.OpenAsync();
            }

            await using var cmd = new NpgsqlCommand("SELECT count(*) FROM held", connection);
            return (long)(await cmd.ExecuteScalarAsync())!;
        }
        catch (NpgsqlException)
        {
            return 0;
        }
    }
}
