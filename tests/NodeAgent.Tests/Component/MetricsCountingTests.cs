namespace NodeAgent.Tests.Component;

public sealed class MetricsCountingTests
{
    [Fact]
    public async Task A_failover_is_counted_by_the_node_that_took_over_and_published_with_its_status()
    {
        var cluster = new ComponentCluster("u1", "u2", "u3");
        await cluster.BootstrapAsync();
        cluster["u1"].Alive = false;
        cluster["u1"].Postgres.Crash();

        await cluster.RunForAsync(3);

        var leader = cluster["u2"].Board.Current;
        Assert.Equal("u2", cluster.Store.Leader?.Name);
        Assert.Equal(1, leader.Metrics.Promotions);
        Assert.Equal(1, leader.Metrics.LockAcquisitions);
        Assert.Equal(5, leader.Metrics.HaCycleDuration.Count);
        Assert.NotNull(leader.HaLoopDurationSeconds);
        Assert.Equal(0, cluster["u3"].Board.Current.Metrics.Promotions);
        Assert.Equal(0, cluster["u3"].Board.Current.Metrics.LockAcquisitions);
    }
}
