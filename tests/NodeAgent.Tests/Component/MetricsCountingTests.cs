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

    [Fact]
    public async Task An_etcd_outage_counts_dcs_errors_and_one_offline_demotion_on_the_leader()
    {
        var cluster = new ComponentCluster("u1", "u2", "u3");
        await cluster.BootstrapAsync();

        cluster.Store.Available = false;
        await cluster.RunForAsync(1);
        await cluster.RunForAsync(1, loopWaitSeconds: 19); // past the lease's demotion deadline

        var metrics = cluster["u1"].Board.Current.Metrics;
        Assert.Equal("stopped accepting writes: the leader lock could not be renewed before its lease runs out", cluster["u1"].Reasons[^1]);
        Assert.True(metrics.DcsErrors >= 2, $"{metrics.DcsErrors} DCS errors");
        Assert.Equal(
            new Dictionary<string, long> { ["offline"] = 1, ["graceful"] = 0, ["immediate"] = 0, ["immediate-nolock"] = 0 },
            metrics.Demotions.ToDictionary(d => d.Label, d => d.Count));
        Assert.True(metrics.DcsCallDuration.Count >= metrics.DcsErrors);
    }
}
