using NodeAgent.Configuration;

namespace NodeAgent.Tests.Component;

/// <summary>SIGHUP: a re-read config file reaches the member key and postgres at the next cycle.</summary>
public sealed class ReloadTests
{
    [Fact]
    public async Task Reloaded_tags_reach_the_member_key_and_postgres_reloads_its_files()
    {
        var cluster = new ComponentCluster("u1", "u2", "u3");
        await cluster.BootstrapAsync();
        var node = cluster["u2"];
        Assert.Null(cluster.Store.View().FindMember("u2")!.Data.Tags);

        node.Loop.Reload(node.Config with { Name = "renamed", Tags = new Dictionary<string, object?> { ["nofailover"] = true, ["dc"] = "b" } });
        await cluster.CycleAsync();

        var data = cluster.Store.View().FindMember("u2")!.Data;
        Assert.True(data.NoFailover);
        Assert.Equal("b", data.Tags!["dc"]);
        Assert.Null(cluster.Store.View().FindMember("renamed"));
        Assert.Contains("reload local config", node.Postgres.Actions);
    }
}
