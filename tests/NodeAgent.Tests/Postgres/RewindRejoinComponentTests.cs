using NodeAgent.Postgres.Rewind;
using NodeAgent.Tests.Component;

namespace NodeAgent.Tests.Postgres;

/// <summary>The executor asks for a rejoin check before a crashed old primary follows the new leader.</summary>
public sealed class RewindRejoinComponentTests
{
    [Fact]
    public async Task Old_primary_stays_down_while_the_rejoin_refuses_and_follows_once_it_allows()
    {
        var cluster = new ComponentCluster("u1", "u2", "u3");
        await cluster.BootstrapAsync();
        var u1 = cluster["u1"];
        u1.Alive = false;
        u1.Postgres.Crash();
        await cluster.RunForAsync(4);
        Assert.Equal("u2", cluster.Store.Leader?.Name);

        u1.Postgres.Rejoin = _ => new RejoinResult(RejoinOutcome.Refused, "not starting: data diverged from the leader");
        u1.Alive = true;
        await cluster.RunForAsync(2);

        Assert.Contains("rejoin u2", u1.Postgres.Actions);
        Assert.DoesNotContain("start replica u2", u1.Postgres.Actions);
        Assert.False(u1.Postgres.Running);
        Assert.Equal("start failed", cluster.Store.View().FindMember("u1")!.Data.State);
        Assert.Equal("u2", Assert.Single(cluster.Primaries).Name);

        u1.Postgres.Rejoin = _ => new RejoinResult(RejoinOutcome.Rewound, "rewound from u2");
        await cluster.RunForAsync(1);
        var rejoin = u1.Postgres.Actions.LastIndexOf("rejoin u2");
        Assert.Equal("start replica u2", u1.Postgres.Actions[rejoin + 1]);
        Assert.True(u1.Postgres.Running);
        Assert.Equal("u2", u1.Postgres.Following);
    }

    [Fact]
    public async Task Removed_data_directory_is_cloned_again_from_the_leader()
    {
        var cluster = new ComponentCluster("u1", "u2", "u3");
        await cluster.BootstrapAsync();
        var u1 = cluster["u1"];
        u1.Alive = false;
        u1.Postgres.Crash();
        await cluster.RunForAsync(4);

        u1.Postgres.Rejoin = _ => new RejoinResult(RejoinOutcome.Removed, "removed");
        u1.Alive = true;
        await cluster.RunForAsync(2);

        Assert.Contains("clone u2", u1.Postgres.Actions);
        Assert.True(u1.Postgres.Running);
        Assert.Equal("u2", u1.Postgres.Following);
    }
}
