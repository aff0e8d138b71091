using System.Text.Json.Nodes;
using NodeAgent.Cluster;
using NodeAgent.Configuration;
using NodeAgent.Ctl;
using NodeAgent.Ctl.Commands;
using NodeAgent.Ctl.Dcs;
using NodeAgent.Ctl.Output;
using NodeAgent.Ctl.Rest;

namespace NodeAgent.Tests.Ctl;

/// <summary>
/// Issue 17: <c>list -e</c> shows each member's failsafe state (its <c>GET /patroni</c> failsafe_mode_is_active) when
/// failsafe_mode is on; with it off nothing is asked and the listing stays patronictl's.
/// </summary>
public sealed class FailsafeListingTests
{
    [Fact]
    public void Extended_list_of_a_failsafe_cluster_shows_each_members_state()
    {
        var view = WithFailsafeMode(CtlScenarios.View("basic"), true);
        var states = new Dictionary<string, bool?> { ["pg1"] = true, ["pg2"] = false, ["pg3"] = null };

        var lines = ListRenderer.Render(view, "PGC1", extended: true, OutputFormat.Tsv, states).Split('\n');
        var pretty = ListRenderer.Render(view, "PGC1", extended: true, OutputFormat.Pretty, states);

        Assert.EndsWith("\tTags\tFailsafe", lines[0], StringComparison.Ordinal);
        Assert.Contains(lines, l => l.StartsWith("PGC1\tpg1\t", StringComparison.Ordinal) && l.EndsWith("\tactive", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("PGC1\tpg2\t", StringComparison.Ordinal) && l.EndsWith("\tinactive", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("PGC1\tpg3\t", StringComparison.Ordinal) && l.EndsWith("\tunknown", StringComparison.Ordinal));
        Assert.Contains("| Failsafe |", pretty, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Members_are_asked_only_with_e_and_failsafe_mode_on()
    {
        var api = new FakeApi(new()
        {
            ["pg1"] = new RestResponse(200, """{"state": "running", "role": "master", "failsafe_mode_is_active": true}"""),
            ["pg2"] = new RestResponse(200, """{"state": "running", "role": "replica"}"""),
        });
        var ctx = Context(api);
        var on = WithFailsafeMode(CtlScenarios.View("basic"), true);
        var off = WithFailsafeMode(CtlScenarios.View("basic"), false);

        Assert.Null(await FailsafeStates.ReadAsync(ctx, off, extended: true, CancellationToken.None));
        Assert.Null(await FailsafeStates.ReadAsync(ctx, on, extended: false, CancellationToken.None));
        Assert.Empty(api.Asked);

        var states = await FailsafeStates.ReadAsync(ctx, on, extended: true, CancellationToken.None);

        Assert.NotNull(states);
        Assert.Equal(["pg1", "pg2", "pg3"], api.Asked.Order(StringComparer.Ordinal));
        Assert.True(states["pg1"]);
        Assert.False(states["pg2"]);
        Assert.Null(states["pg3"]);
    }

    [Fact]
    public void Extended_list_without_failsafe_states_is_patronictls()
    {
        var view = WithFailsafeMode(CtlScenarios.View("basic"), false);

        var actual = ListRenderer.Render(view, "PGC1", extended: true, OutputFormat.Pretty, failsafe: null);

        Assert.Equal(ListRenderer.Render(view, "PGC1", extended: true, OutputFormat.Pretty), actual);
        Assert.DoesNotContain("Failsafe", actual, StringComparison.Ordinal);
    }

    private static ClusterView WithFailsafeMode(ClusterView view, bool on)
    {
        var config = view.Config?.DeepClone().AsObject() ?? [];
        config["failsafe_mode"] = on;
        return view with { Config = config };
    }

    private static CtlContext Context(IMemberApi api) =>
        new(new CtlConsole(new StringReader(""), new StringWriter(), new StringWriter()), new CtlSettings(new AgentConfig { Name = "pg1", Scope = "PGC1" }), TimeProvider.System,
            _ => throw new InvalidOperationException("no DCS in this test"), api);

    /// <summary>Answers from a table by member name; a member not in it is unreachable.</summary>
    private sealed class FakeApi(Dictionary<string, RestResponse> answers) : IMemberApi
    {
        public System.Collections.Concurrent.ConcurrentBag<string> Asked { get; } = [];

        public Task<RestResponse> RequestAsync(Member member, HttpMethod method, string endpoint, JsonNode? body, CancellationToken cancellationToken)
        {
            Assert.Equal(HttpMethod.Get, method);
            Assert.Equal("patroni", endpoint);
            Asked.Add(member.Name);
            return answers.TryGetValue(member.Name, out var answer)
                ? Task.FromResult(answer)
                : Task.FromException<RestResponse>(new HttpRequestException("connection refused"));
        }
    }
}
