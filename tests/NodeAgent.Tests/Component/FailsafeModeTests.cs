using System.Text.Json.Nodes;
using NodeAgent.Configuration;

namespace NodeAgent.Tests.Component;

/// <summary>failsafe_mode end to end on the in-memory cluster: the leader, its POST /failsafe round, the fence, the replicas.</summary>
public sealed class FailsafeModeTests
{
    private static ComponentCluster FailsafeCluster() => new(null, c => c with
    {
        Bootstrap = c.Bootstrap with
        {
            Dcs = c.Bootstrap.Dcs with { FailsafeMode = true },
            DcsJson = new JsonObject { ["failsafe_mode"] = true },
        },
    }, "u1", "u2", "u3");

    [Fact]
    public async Task Without_etcd_the_leader_keeps_its_primary_past_the_lease_while_every_member_accepts_and_the_fence_follows_the_rounds()
    {
        var cluster = FailsafeCluster();
        await cluster.BootstrapAsync();
        await cluster.RunForAsync(1);
        Assert.Equal(["u1", "u2", "u3"], cluster.Store.Failsafe!.Keys.Order());

        cluster.Store.Available = false;
        await cluster.RunForAsync(6); // 60 s: twice the ttl

        var leader = Assert.Single(cluster.Primaries);
        Assert.Equal("u1", leader.Name);
        Assert.Equal("continue to run as a leader because failsafe mode is enabled and all members are accessible", leader.Reasons[^1]);
        Assert.True(leader.Board.Current.AcceptsWrites);
        Assert.True(leader.Board.Current.FailsafeModeIsActive);
        // The fence was kicked with a deadline counted from this cycle's round, not from the last renewal 60 s ago.
        var deadline = leader.Watchdog.LastDeadline!.Value;
        Assert.True(cluster.Time.GetElapsedTime(deadline.RenewedTimestamp) < TimeSpan.FromSeconds(1));
        Assert.Equal(TimeSpan.FromSeconds(29), deadline.ValidFor);
        foreach (var name in new[] { "u2", "u3" })
        {
            Assert.True(cluster[name].Failsafe.Current!.Fresh);
            Assert.True(cluster[name].Board.Current.FailsafeModeIsActive);
            Assert.Equal("u1", cluster[name].Postgres.Following);
        }

        // etcd is back: the lease expired meanwhile, the replicas that accepted do not race, the leader takes the lock again.
        cluster.Store.Available = true;
        await cluster.RunForAsync(2);
        Assert.Equal("u1", Assert.Single(cluster.Primaries).Name);
        Assert.Equal("u1", cluster.Store.Leader?.Name);
        Assert.False(cluster["u1"].Board.Current.FailsafeModeIsActive);
    }

    [Fact]
    public async Task Without_etcd_a_member_that_does_not_answer_makes_the_leader_demote_before_its_lease_runs_out()
    {
        var cluster = FailsafeCluster();
        await cluster.BootstrapAsync();
        await cluster.RunForAsync(1);

        cluster.Store.Available = false;
        cluster["u3"].Alive = false;
        for (var i = 0; i < 6; i++)
        {
            await cluster.RunForAsync(1);
            Assert.True(cluster.Primaries.Count() <= 1);
        }

        Assert.Empty(cluster.Primaries);
        Assert.Contains(cluster["u1"].Reasons, r => r.StartsWith("failsafe mode: not every member accepted", StringComparison.Ordinal));
        Assert.False(cluster["u1"].Board.Current.FailsafeModeIsActive);
    }

    [Fact]
    public async Task With_failsafe_mode_off_the_leader_demotes_as_before()
    {
        var cluster = new ComponentCluster("u1", "u2", "u3");
        await cluster.BootstrapAsync();
        await cluster.RunForAsync(1);
        Assert.Null(cluster.Store.Failsafe);

        cluster.Store.Available = false;
        await cluster.RunForAsync(4);

        Assert.Empty(cluster.Primaries);
        Assert.All(cluster.Nodes, n => Assert.Null(n.Failsafe.Current));
    }
}
