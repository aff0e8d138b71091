namespace NodeAgent.Tests.Component;

/// <summary>
/// The lock handover with the real loop and executor: a leader cut from etcd alone keeps its primary while its lease
/// runs, then demotes and has a replica delete its leader key, so the lock changes hands before the lease could expire.
/// With etcd down for everyone nobody can release it, and the leader keeps its lock when etcd returns.
/// </summary>
public sealed class LockHandoverTests
{
    [Fact]
    public async Task Leader_cut_from_etcd_hands_its_lock_over_and_a_replica_takes_it_before_the_lease_expires()
    {
        var cluster = new ComponentCluster("u1", "u2", "u3");
        await cluster.BootstrapAsync();
        var u1 = cluster["u1"];
        var revision = cluster.Store.Leader!.ModRevision;

        u1.Dcs.CutOff = true;
        await cluster.RunForAsync(1); // 10 s into a 30 s lease
        Assert.True(u1.Postgres.AcceptsWrites);
        Assert.Empty(cluster.ReleasedBy);

        // 29 s after the last renewal: u1 demotes at its deadline and hands over; the lease itself still has 1 s to run.
        await cluster.RunForAsync(1, loopWaitSeconds: 19);
        Assert.Equal("stopped accepting writes: the leader lock could not be renewed before its lease runs out", u1.Reasons[^1]);
        Assert.False(u1.Postgres.AcceptsWrites);
        Assert.Equal(("u1", "u2"), Assert.Single(cluster.ReleasedBy));
        Assert.Contains(("u1", "release"), cluster.Store.LeaderWrites);

        // In the same cycle (u2 and u3 run after u1) a replica found the key gone and took the lock.
        Assert.NotNull(cluster.Store.Leader);
        Assert.NotEqual("u1", cluster.Store.Leader!.Name);
        Assert.NotEqual(revision, cluster.Store.Leader.ModRevision);
        var leader = cluster[cluster.Store.Leader.Name];
        Assert.True(leader.Postgres.AcceptsWrites);
        Assert.Equal(leader.Name, Assert.Single(cluster.Primaries).Name);

        // u1 back on etcd: its abandoned key is gone, so it follows the new leader and never becomes primary again.
        u1.Dcs.CutOff = false;
        await cluster.RunForAsync(2);
        Assert.Equal(leader.Name, Assert.Single(cluster.Primaries).Name);
        Assert.Equal(leader.Name, cluster.Store.Leader!.Name);
    }

    [Fact]
    public async Task With_etcd_down_for_everyone_nobody_releases_and_the_leader_keeps_its_lock_under_a_new_key_version()
    {
        var cluster = new ComponentCluster("u1", "u2", "u3");
        await cluster.BootstrapAsync();
        var u1 = cluster["u1"];
        var revision = cluster.Store.Leader!.ModRevision;

        cluster.Store.Available = false;
        await cluster.RunForAsync(1);
        await cluster.RunForAsync(1, loopWaitSeconds: 19);
        Assert.False(u1.Postgres.AcceptsWrites);
        Assert.Empty(cluster.ReleasedBy);

        cluster.Store.Available = true;
        await cluster.RunForAsync(1, loopWaitSeconds: 0);
        Assert.Equal("promoted self to leader because I had the session lock", u1.Reasons[^1]);
        Assert.Equal("u1", Assert.Single(cluster.Primaries).Name);
        // Kept by a put under a compare on the version handed over: a release still on its way cannot match it now.
        Assert.Contains(("u1", "reclaim"), cluster.Store.LeaderWrites);
        Assert.NotEqual(revision, cluster.Store.Leader!.ModRevision);
        Assert.False(cluster.Store.ReleaseLeader("u1", revision));
        Assert.Equal("u1", cluster.Store.Leader!.Name);
    }
}
