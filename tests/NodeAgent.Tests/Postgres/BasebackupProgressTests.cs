using NodeAgent.Postgres;

namespace NodeAgent.Tests.Postgres;

public sealed class BasebackupProgressTests
{
    [Theory]
    [InlineData("   23140/1234567 kB (1%), 0/1 tablespace", 23140L * 1024, 1234567L * 1024, 1)]
    [InlineData("1234567/1234567 kB (100%), 1/1 tablespace", 1234567L * 1024, 1234567L * 1024, 100)]
    [InlineData("  617283/1234567 kB (50%), 0/1 tablespace (/pgsql/pg_data/base/5/16384)", 617283L * 1024, 1234567L * 1024, 49)]
    public void A_progress_line_of_pg_basebackup_gives_bytes_done_of_total(string line, long done, long total, int percent)
    {
        var progress = BasebackupProgress.Parse(line);

        Assert.Equal(new BasebackupProgress(done, total), progress);
        Assert.Equal(percent, progress!.Percent);
    }

    [Theory]
    [InlineData("pg_basebackup: error: connection to server failed")]
    [InlineData("pg_basebackup: initiating base backup, waiting for checkpoint to complete")]
    [InlineData("")]
    [InlineData("99999999999999999999/1 kB (1%)")]
    public void Any_other_line_is_no_progress(string line) => Assert.Null(BasebackupProgress.Parse(line));

    [Fact]
    public void The_estimate_can_be_passed_and_the_percentage_stays_at_most_100() =>
        Assert.Equal(100, new BasebackupProgress(1100, 1000).Percent);

    [Fact]
    public void The_log_gets_the_first_line_and_then_one_per_tenth()
    {
        var lines = Enumerable.Range(0, 101).Select(p => new BasebackupProgress(p, 100)).ToList();
        BasebackupProgress? logged = null;
        var percents = new List<int>();
        foreach (var p in lines)
        {
            if (BasebackupProgress.WorthLogging(logged, p))
            {
                logged = p;
                percents.Add(p.Percent);
            }
        }

        Assert.Equal([0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100], percents);
    }
}
