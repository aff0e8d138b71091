using NodeAgent.Cluster;
using NodeAgent.Configuration;
using NodeAgent.Postgres.Rewind;

namespace NodeAgent.Tests.Postgres;

/// <summary>End of WAL from pg_waldump's closing error, and the rewind switches.</summary>
public sealed class RewindWalEndTests
{
    private const long Segment = 16 * 1024 * 1024;

    [Theory]
    [InlineData("pg_waldump: error: error in WAL record at 0/1759408: invalid record length at 0/17595A0: wanted 24, got 0", "0/17595A0")]
    [InlineData("pg_waldump: error: error in WAL record at 0/3000028: record with incorrect prev-link 0/1234 at 0/30000A0", "0/30000A0")]
    [InlineData("pg_waldump: error: error in WAL record at 0/3000028: invalid resource manager ID 77 at 0/30000A0", "0/30000A0")]
    [InlineData("pg_waldump: error: error in WAL record at 1/FF000028: invalid magic number 0000 in log segment 0000000200000001000000FF, offset 8192", "1/FF002000")]
    [InlineData("pg_waldump: error: error in WAL record at 0/3FFFFD0: unexpected pageaddr 0/1000000 in log segment 000000010000000000000004, offset 0", "0/4000000")]
    [InlineData("pg_waldump: error: could not find file \"/var/lib/pg/pg_wal/000000010000000000000005\": No such file or directory", "0/5000000")]
    public void End_of_wal_is_read_from_the_closing_error(string line, string expected)
    {
        Assert.Equal(Lsn.Parse(expected), WalEnd.Parse(["rmgr: XLOG len (rec/tot): 114/114, tx: 0, lsn: 0/03000028", line], Segment));
    }

    [Theory]
    [InlineData("pg_waldump: error: could not find a valid record after 0/3000028")]
    [InlineData("pg_waldump: error: error in WAL record at 0/3000028: contrecord is requested by 0/3000000")]
    [InlineData("")]
    public void Unrecognised_output_gives_no_end(string line) => Assert.Null(WalEnd.Parse([line], Segment));

    [Fact]
    public void Segment_names_map_to_lsns_for_other_segment_sizes()
    {
        // 64 MB segments: 64 per 4 GB "log"; segment 3 of log 2 starts at 2/C000000.
        Assert.Equal(Lsn.Parse("2/C000010"), WalEnd.FromSegment("000000010000000200000003", 16, 64L * 1024 * 1024));
        Assert.Null(WalEnd.FromSegment("short", 0, Segment));
        Assert.Null(WalEnd.FromSegment("000000010000000200000003", 0, 3000));
    }

    [Fact]
    public void Local_use_pg_rewind_wins_and_either_side_enables_removal()
    {
        var dynamicOn = new DynamicConfig { Postgresql = new DynamicPostgresqlConfig { UsePgRewind = true, RemoveDataDirectoryOnRewindFailure = true } };
        var fromCluster = RewindSettings.Resolve(new PostgresqlConfig(), dynamicOn);
        Assert.True(fromCluster.UsePgRewind);
        Assert.True(fromCluster.RemoveAfterFailedRewind);
        Assert.False(fromCluster.RemoveOnDivergedTimelines);

        var localOff = RewindSettings.Resolve(new PostgresqlConfig { UsePgRewind = false, RemoveDataDirectoryOnDivergedTimelines = true }, dynamicOn);
        Assert.False(localOff.UsePgRewind);
        Assert.True(localOff.RemoveOnDivergedTimelines);

        var none = RewindSettings.Resolve(new PostgresqlConfig(), new DynamicConfig());
        Assert.False(none.UsePgRewind);
        Assert.False(none.RemoveAfterFailedRewind);
    }
}
