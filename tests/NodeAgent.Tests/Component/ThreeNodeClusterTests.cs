using System.Text.Json.Nodes;
using NodeAgent.Api.Health;

namespace NodeAgent.Tests.Component;

/// <summary>Three agents on an in-memory DCS and fake postgres, driven cycle by cycle on a fake clock.</summary>
public sealed class ThreeNodeClusterTests
{
    [Fact]
    public async Task Bootstrap_yields_one_leader_and_two_replicas_following_it()
    {
        var cluster = new ComponentCluster("u1", "u2", "u3");

        await cluster.CycleAsync();
        Assert.Equal("trying to bootstrap a new cluster", cluster["u1"].Reasons[0]);
        Assert.Equal("trying to bootstrap from leader 'u1'", cluster["u2"].Reasons[0]);

        await cluster.RunForAsync(1);

        var leader = Assert.Single(cluster.Primaries);
        Assert.Equal("u1", leader.Name);
        Assert.Equal("u1", cluster.Store.Leader?.Name);
        Assert.Equal(leader.Postgres.SystemIdentifier, cluster.Store.Initialize);
        Assert.NotNull(cluster.Store.Config);
        Assert.True(leader.Watchdog.Armed);
        Assert.True(leader.Board.Current.HoldsLock);
        Assert.True(leader.Board.Current.AcceptsWrites);
        Assert.Equal("no action. I am (u1), the leader with the lock", leader.Reasons[^1]);
        foreach (var name in new[] { "u2", "u3" })
        {
            var replica = cluster[name];
            Assert.Equal("u1", replica.Postgres.Following);
            Assert.True(replica.Postgres.InRecovery);
            Assert.False(replica.Board.Current.AcceptsWrites);
            Assert.Equal($"no action. I am ({name}), a secondary, and following a leader (u1)", replica.Reasons[^1]);
        }

        Assert.Equal(3, cluster.Store.View().Members.Count);
        var member = cluster.Store.View().FindMember("u1")!.Data;
        Assert.Equal(NodeAgent.Cluster.MemberRole.Primary, member.Role);
        Assert.Equal("postgres://127.0.0.1:5432/postgres", member.ConnUrl);
        Assert.Equal("http://127.0.0.1:8008/patroni", member.ApiUrl);
        Assert.Equal("running", member.State);
        Assert.Equal("3.0.2", member.Version);
    }

    [Fact]
    public async Task Dead_leader_is_replaced_only_after_its_lease_expires()
    {
        var cluster = new ComponentCluster("u1", "u2", "u3");
        await cluster.BootstrapAsync();
        Assert.True(cluster["u1"].Postgres.TryWrite(5000));
        await cluster.RunForAsync(1);

        cluster["u1"].Alive = false;
        cluster["u1"].Postgres.Crash();

        await cluster.RunForAsync(2); // 20 s: the lease (ttl 30) still holds the key
        Assert.Equal("u1", cluster.Store.Leader?.Name);
        Assert.Empty(cluster.Primaries);

        await cluster.RunForAsync(1); // 30 s: expired, the race runs
        Assert.Equal("u2", cluster.Store.Leader?.Name);
        Assert.Equal("promoted self to leader by acquiring session lock", cluster["u2"].Reasons[^1]);
        var leader = Assert.Single(cluster.Primaries);
        Assert.Equal("u2", leader.Name);
        Assert.Equal(2, leader.Postgres.Timeline);

        await cluster.RunForAsync(1);
        Assert.Equal("u2", cluster["u3"].Postgres.Following);
        Assert.Equal("no action. I am (u3), a secondary, and following a leader (u2)", cluster["u3"].Reasons[^1]);
        Assert.Single(cluster.Store.History);
    }

    /// <summary>
    /// HAProxy routes writes by the REST status. It once came from the look at postgres taken before the cycle's
    /// actions, so a node that promoted itself still said "replica" until its next cycle.
    /// </summary>
    [Fact]
    public async Task The_cycle_that_promotes_a_replica_publishes_it_as_a_writable_primary()
    {
        var cluster = new ComponentCluster("u1", "u2", "u3");
        await cluster.BootstrapAsync();
        cluster["u1"].Alive = false;
        cluster["u1"].Postgres.Crash();

        await cluster.RunForAsync(3); // 30 s: the lease expired in the last cycle, which promoted u2

        var u2 = cluster["u2"];
        Assert.Equal("promoted self to leader by acquiring session lock", u2.Reasons[^1]);
        Assert.True(u2.Postgres.AcceptsWrites);
        var status = u2.Board.Current;
        Assert.Equal("master", status.Role);
        Assert.True(status.HoldsLock);
        Assert.True(status.AcceptsWrites);
        Assert.Equal(2, status.Timeline);
        Assert.Equal("replica", cluster["u3"].Board.Current.Role);
    }

    /// <summary>
    /// HAProxy's rise checks count during the promotion: the node taking over answers /primary (and leaves /replica)
    /// from before it arms its fence until postgres has left recovery, as Patroni answers from the lock alone.
    /// </summary>
    [Fact]
    public async Task A_replica_taking_over_answers_primary_while_it_promotes_and_leaves_the_replica_backend()
    {
        var cluster = new ComponentCluster("u1", "u2", "u3");
        await cluster.BootstrapAsync();
        cluster["u1"].Alive = false;
        cluster["u1"].Postgres.Crash();
        var seen = new List<(string Node, int Primary, int Replica, bool Fenced)>();
        foreach (var node in new[] { cluster["u2"], cluster["u3"] })
        {
            void Look()
            {
                var s = node.Board.Current;
                var age = cluster.Time.GetElapsedTime(s.LockRenewedTimestamp);
                seen.Add((node.Name, HealthEvaluator.Evaluate(HealthEndpoint.Primary, HealthQuery.From([]), s, age),
                    HealthEvaluator.Evaluate(HealthEndpoint.Replica, HealthQuery.From([]), s, age), node.Watchdog.Armed));
            }

            node.Watchdog.OnActivate = Look;
            node.Postgres.OnPromote = Look;
        }

        Assert.All(new[] { "u2", "u3" }, n => Assert.Equal(HealthEvaluator.Unavailable, HealthEvaluator.Evaluate(
            HealthEndpoint.Primary, HealthQuery.From([]), cluster[n].Board.Current, TimeSpan.Zero)));
        await cluster.RunForAsync(3);

        // Once as it arms its fence, once as it asks postgres to leave recovery.
        Assert.Equal(2, seen.Count);
        Assert.Single(seen.Select(s => s.Node).Distinct());
        Assert.Equal([(HealthEvaluator.Ok, HealthEvaluator.Unavailable, false), (HealthEvaluator.Ok, HealthEvaluator.Unavailable, true)],
            seen.Select(s => (s.Primary, s.Replica, s.Fenced)));
        Assert.False(Assert.Single(cluster.Primaries).Board.Current.Promoting);
    }

    [Fact]
    public async Task Leader_keeps_its_primary_while_the_lease_runs_and_stops_writes_before_it_can_expire()
    {
        var cluster = new ComponentCluster("u1", "u2", "u3");
        await cluster.BootstrapAsync();

        cluster.Store.Available = false;
        await cluster.RunForAsync(1); // 10 s into a 30 s lease: an etcd hiccup costs no outage
        var u1 = cluster["u1"];
        Assert.StartsWith("DCS is not accessible; keeping the primary while the leader lock is valid for", u1.Reasons[^1], StringComparison.Ordinal);
        Assert.True(u1.Postgres.AcceptsWrites);

        await cluster.RunForAsync(1, loopWaitSeconds: 19); // 29 s: past the 28 s the lease leaves before its margins
        Assert.Equal("stopped accepting writes: the leader lock could not be renewed before its lease runs out", u1.Reasons[^1]);
        Assert.False(u1.Postgres.AcceptsWrites);
        Assert.True(u1.Postgres.Running); // read-only, not down
        Assert.False(u1.Board.Current.AcceptsWrites);
        Assert.False(u1.Board.Current.HoldsLock);
        Assert.Equal("u1", cluster.Store.Leader?.Name); // offline demote keeps the key
        Assert.DoesNotContain(cluster.Store.LeaderWrites, w => w is ("u1", "delete"));
        Assert.Equal("DCS is not accessible", cluster["u2"].Reasons[^1]);
        Assert.True(cluster["u2"].Postgres.Running);
        Assert.Empty(cluster.Primaries);

        cluster.Store.Available = true;
        await cluster.RunForAsync(1, loopWaitSeconds: 0);
        Assert.Equal("promoted self to leader because I had the session lock", u1.Reasons[^1]);
        Assert.Equal("u1", Assert.Single(cluster.Primaries).Name);
    }

    [Fact]
    public async Task Frozen_leader_stops_writes_first_on_waking_and_never_overwrites_the_new_leader()
    {
        var cluster = new ComponentCluster("u1", "u2", "u3");
        await cluster.BootstrapAsync();
        var u1 = cluster["u1"];

        u1.Alive = false; // SIGSTOP: postgres keeps running and writable, the agent does nothing
        await cluster.RunForAsync(3);
        Assert.Equal("u2", cluster.Store.Leader?.Name);
        Assert.Equal(2, cluster.Primaries.Count()); // the split brain a frozen agent cannot prevent without a watchdog

        u1.Alive = true;
        var writesBefore = cluster.Store.LeaderWrites.Count;
        var actionsBefore = u1.Postgres.Actions.Count;
        var outcome = await u1.Loop.RunCycleAsync(CancellationToken.None);

        Assert.StartsWith("stopped accepting writes: this agent stalled for 30 s", outcome.Reason);
        Assert.Equal("stop fast", u1.Postgres.Actions[actionsBefore]);
        Assert.False(u1.Postgres.AcceptsWrites);
        Assert.Equal("u2", Assert.Single(cluster.Primaries).Name);
        Assert.Equal(writesBefore, cluster.Store.LeaderWrites.Count);

        await cluster.RunForAsync(2);
        Assert.Equal("u2", cluster.Store.Leader?.Name);
        Assert.Equal("u2", u1.Postgres.Following);
        Assert.DoesNotContain(cluster.Store.LeaderWrites.Skip(writesBefore), w => w.Node == "u1" && w.Op != "renew");
        Assert.Equal("u2", Assert.Single(cluster.Primaries).Name);
    }

    [Fact]
    public async Task Paused_cluster_neither_promotes_nor_restarts()
    {
        var cluster = new ComponentCluster("u1", "u2", "u3");
        await cluster.BootstrapAsync();
        var config = cluster.Store.Config!.DeepClone().AsObject();
        config["pause"] = true;
        cluster.Store.SetConfig(config);
        await cluster.RunForAsync(1);
        Assert.False(cluster["u1"].Watchdog.Armed);
        Assert.True(cluster["u2"].Board.Current.Paused);

        cluster["u1"].Alive = false;
        cluster["u1"].Postgres.Crash();
        await cluster.RunForAsync(6);

        Assert.Null(cluster.Store.Leader);
        Assert.Empty(cluster.Primaries);
        Assert.Equal("no action. I am (u2)", cluster["u2"].Reasons[^1]);
        Assert.DoesNotContain("promote", cluster["u2"].Postgres.Actions);
    }

    [Fact]
    public async Task Leader_shutdown_stops_postgres_with_a_checkpoint_and_releases_the_lock()
    {
        var cluster = new ComponentCluster("u1", "u2", "u3");
        await cluster.BootstrapAsync();

        await cluster["u1"].Loop.ShutdownAsync(CancellationToken.None);
        cluster["u1"].Alive = false;

        Assert.Equal("stop fast checkpoint", cluster["u1"].Postgres.Actions[^1]);
        Assert.Null(cluster.Store.Leader);
        Assert.False(cluster["u1"].Watchdog.Armed);
        await cluster.RunForAsync(1);
        Assert.Equal("u2", Assert.Single(cluster.Primaries).Name);
    }
}
