using NodeAgent.Postgres;

namespace NodeAgent.Tests.Postgres;

/// <summary>The doctests of postgresql/sync.py:parse_sync_standby_names, and the values the agent writes.</summary>
public sealed class SyncStandbyNamesTests
{
    [Theory]
    [InlineData("", "off", 0, "")]
    [InlineData("FiRsT", "priority", 1, "FiRsT")]
    [InlineData("\"1\"", "priority", 1, "1")]
    [InlineData(" a , b ", "priority", 1, "a|b")]
    [InlineData("ANY 4(\"a\",*,b)", "quorum", 4, "a|*|b")]
    [InlineData("FIRST 2 (u5, \"u 6\")", "priority", 2, "u5|u 6")]
    [InlineData("2 (u5,u6)", "priority", 2, "u5|u6")]
    public void Parses_what_postgres_accepts(string value, string type, int count, string members)
    {
        var parsed = SyncStandbyNames.Parse(value);

        Assert.Equal(type, parsed.Type);
        Assert.Equal(count, parsed.Count);
        Assert.Equal(members, string.Join('|', parsed.Members));
        Assert.Equal(value.Contains('*', StringComparison.Ordinal), parsed.HasStar);
    }

    [Theory]
    [InlineData("1")]
    [InlineData("a,")]
    [InlineData("ANY 4(\"a\" b,\"c c\")")]
    [InlineData("FIRST 4(\"a\",)")]
    [InlineData("2 (,)")]
    public void Refuses_what_postgres_refuses(string value) =>
        Assert.Throws<FormatException>(() => SyncStandbyNames.Parse(value));

    [Fact]
    public void Builds_none_a_star_a_name_or_a_count_with_quoted_names()
    {
        Assert.Null(SyncStandbyNames.Build([]));
        Assert.Equal("*", SyncStandbyNames.Build(["*"]));
        Assert.Equal("u5", SyncStandbyNames.Build(["u5"]));
        Assert.Equal("2 (u5,\"node-6\")", SyncStandbyNames.Build(["u5", "node-6"]));
        Assert.Equal(["u5", "node-6"], SyncStandbyNames.Parse(SyncStandbyNames.Build(["u5", "node-6"])).Members);
    }

    [Fact]
    public void Builds_any_n_for_quorum_commit_with_names_sorted_even_for_one_name()
    {
        Assert.Equal("ANY 1 (u5)", SyncStandbyNames.BuildQuorum(1, ["u5"]));
        Assert.Equal("ANY 2 (\"node-6\",u5,u7)", SyncStandbyNames.BuildQuorum(2, ["u7", "u5", "node-6"]));
        Assert.Null(SyncStandbyNames.BuildQuorum(0, []));
        // Strict mode with nobody to name: every commit waits for a standby.
        Assert.Equal("*", SyncStandbyNames.BuildQuorum(1, []));
        var parsed = SyncStandbyNames.Parse(SyncStandbyNames.BuildQuorum(2, ["u7", "u5", "node-6"]));
        Assert.Equal(("quorum", 2), (parsed.Type, parsed.Count));
    }
}
