using NodeAgent.Cluster;

namespace NodeAgent.Tests.Component;

/// <summary>Only the lock holder pushes routing: promoted after its promotion, withdrawn before its demotion.</summary>
public sealed class RoutingPushTests
{
    [Fact]
    public async Task A_failover_has_the_new_lock_holder_alone_push_its_promotion()
    {
        var cluster = new ComponentCluster("u1", "u2", "u3");
        await cluster.BootstrapAsync();
        Assert.Contains(("confirm primary", true), cluster["u1"].Routing.Calls);

        cluster["u1"].Alive = false;
        cluster["u1"].Postgres.Crash();
        await cluster.RunForAsync(3);

        Assert.Equal("u2", cluster.Store.Leader?.Name);
        Assert.Equal([("confirm not primary", false), ("promoted", true), ("confirm primary", true)], cluster["u2"].Routing.Calls);
        Assert.Equal([("confirm not primary", false)], cluster["u3"].Routing.Calls);
    }

    [Fact]
    public async Task A_switchover_has_the_old_primary_withdraw_while_it_holds_the_lock_and_the_new_one_push_its_promotion()
    {
        var cluster = new ComponentCluster("u1", "u2", "u3");
        await cluster.BootstrapAsync();

        cluster.Store.SetFailover(new FailoverRequest("u1", "u2", null, 0));
        await cluster.RunForAsync(3, loopWaitSeconds: 1);

        Assert.Equal("u2", cluster.Store.Leader?.Name);
        var u1 = cluster["u1"].Routing.Calls;
        Assert.Equal(("withdraw", true), u1[u1.IndexOf(("confirm primary", true)) + 1]);
        Assert.DoesNotContain(u1, c => c.Call == "promoted" && c.HeldLock);
        Assert.Contains(("promoted", true), cluster["u2"].Routing.Calls);
        Assert.DoesNotContain(cluster.Nodes.SelectMany(n => n.Routing.Calls), c => c.Call is "promoted" or "withdraw" && !c.HeldLock);
    }

    /// <summary>As Patroni's graceful demotion: the checkpoint runs while the old primary still serves, before it withdraws.</summary>
    [Fact]
    public async Task A_switchover_checkpoints_while_the_old_primary_still_serves_and_then_stops_fast()
    {
        var cluster = new ComponentCluster("u1", "u2", "u3");
        await cluster.BootstrapAsync();
        var u1 = cluster["u1"];
        (bool AcceptsWrites, bool Withdrawn)? atCheckpoint = null;
        u1.Postgres.OnCheckpoint = () => atCheckpoint = (u1.Board.Current.AcceptsWrites, u1.Routing.Calls.Any(c => c.Call == "withdraw"));

        cluster.Store.SetFailover(new FailoverRequest("u1", "u2", null, 0));
        await cluster.RunForAsync(3, loopWaitSeconds: 1);

        Assert.Equal("u2", cluster.Store.Leader?.Name);
        Assert.Equal((true, false), atCheckpoint);
        var checkpoint = u1.Postgres.Actions.IndexOf("checkpoint");
        Assert.Equal("stop fast", u1.Postgres.Actions[checkpoint + 1]);
    }

    /// <summary>A withdrawal HAProxy took sends the old primary no new clients: it needs no client hold-off after the stop.</summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_switchover_keeps_the_client_hold_off_only_when_haproxy_did_not_take_the_withdrawal(bool withdrawn)
    {
        var cluster = new ComponentCluster("u1", "u2", "u3");
        await cluster.BootstrapAsync();
        cluster["u1"].Routing.Withdrawn = withdrawn;

        cluster.Store.SetFailover(new FailoverRequest("u1", "u2", null, 0));
        await cluster.RunForAsync(3, loopWaitSeconds: 1);

        Assert.Equal("u2", cluster.Store.Leader?.Name);
        var actions = cluster["u1"].Postgres.Actions;
        var stop = actions.IndexOf("stop fast");
        Assert.Equal(withdrawn, actions.Skip(stop).Contains("open to clients"));
        if (withdrawn)
        {
            Assert.Equal("open to clients", actions[stop + 1]);
        }
    }

    [Fact]
    public async Task A_frozen_leader_that_wakes_without_the_lock_pushes_nothing()
    {
        var cluster = new ComponentCluster("u1", "u2", "u3");
        await cluster.BootstrapAsync();
        var u1 = cluster["u1"];
        u1.Alive = false;
        await cluster.RunForAsync(3);
        Assert.Equal("u2", cluster.Store.Leader?.Name);
        var before = u1.Routing.Calls.Count;

        u1.Alive = true;
        await cluster.RunForAsync(2);

        Assert.False(u1.Postgres.AcceptsWrites);
        Assert.Equal([("confirm not primary", false)], u1.Routing.Calls.Skip(before));
    }
}
