namespace NodeAgent.Tests.Component;

/// <summary>ha.py:cancel_initialization on the in-memory cluster: a bootstrap that fails leaves no half-made cluster behind.</summary>
public sealed class BootstrapFailureTests
{
    [Fact]
    public async Task A_failing_post_bootstrap_stops_postgres_empties_the_data_dir_and_deletes_initialize()
    {
        var cluster = new ComponentCluster("u1");
        var u1 = cluster["u1"];
        u1.Postgres.FailPostBootstrap = true;

        await cluster.CycleAsync();
        // The bootstrap is a long action: it ends beside the cycle that started it.
        Assert.True(await Eventually.HoldsAsync(() => u1.Postgres.Actions.Contains("remove data directory"), TimeSpan.FromSeconds(10)), "the data dir was not removed");
        Assert.True(await Eventually.HoldsAsync(() => !u1.Loop.LongActionRunning, TimeSpan.FromSeconds(10)), "the bootstrap did not end");

        Assert.Contains("post_bootstrap", u1.Postgres.Actions);
        Assert.Equal(NodeAgent.Postgres.DataDirState.Empty, u1.Postgres.DataDir);
        Assert.False(u1.Postgres.Running);
        Assert.Null(cluster.Store.Leader);
        Assert.Null(cluster.Store.Initialize);
    }
}
