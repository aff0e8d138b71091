using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using NodeAgent.Commands;
using NodeAgent.Ha;
using NodeAgent.Tests.Component;

namespace NodeAgent.Tests.Commands;

/// <summary>PATCH and PUT /config through the command sink: a config that breaks a rule is answered 400 and never written.</summary>
public sealed class AgentCommandSinkConfigTests
{
    private const string Seed = """{"ttl":30,"loop_wait":10,"retry_timeout":10,"postgresql":{"use_slots":true,"parameters":{"max_connections":100}}}""";

    private sealed class Fixture
    {
        public Fixture()
        {
            Store = new InMemoryDcsStore(Time);
            Store.SetConfig(Parse(Seed));
            Sink = new AgentCommandSink(new InMemoryDcs(Store, "u4", Time), () => 10, () => 10, () => Wakeups++, () => { }, Time,
                NullLogger<AgentCommandSink>.Instance, new HaRequests(), () => null);
        }

        public FakeTimeProvider Time { get; } = new();

        public InMemoryDcsStore Store { get; }

        public AgentCommandSink Sink { get; }

        public int Wakeups { get; private set; }
    }

    private static JsonObject Parse(string json) => JsonNode.Parse(json)!.AsObject();

    public static TheoryData<string, string> RefusedPatches() => new()
    {
        { """{"ttl":5}""", "ttl: loop_wait + 2*retry_timeout <= ttl is violated: 10 + 2*10 = 30 > 5" },
        { """{"loop_wait":0}""", "loop_wait: must be at least 1" },
        { """{"retry_timeout":"soon"}""", "retry_timeout: expected an integer, got" },
        { """{"postgresql":{"use_slots":"sometimes"}}""", "postgresql.use_slots: expected a boolean, got" },
    };

    [Theory]
    [MemberData(nameof(RefusedPatches))]
    public async Task Patch_breaking_a_rule_answers_400_naming_the_key_and_writes_nothing(string patch, string message)
    {
        var f = new Fixture();
        var revision = f.Store.ConfigRevision;

        var answer = await f.Sink.PatchConfigAsync(Parse(patch), CancellationToken.None);

        Assert.Equal(400, answer.StatusCode);
        Assert.Null(answer.Json);
        Assert.StartsWith(message, answer.Message, StringComparison.Ordinal);
        Assert.Equal(revision, f.Store.ConfigRevision);
        Assert.True(JsonNode.DeepEquals(Parse(Seed), f.Store.Config));
        Assert.Equal(0, f.Wakeups);
    }

    [Fact]
    public async Task Valid_patch_is_written_and_wakes_the_loop()
    {
        var f = new Fixture();
        var revision = f.Store.ConfigRevision;

        var answer = await f.Sink.PatchConfigAsync(Parse("""{"ttl":40,"colour":"blue"}"""), CancellationToken.None);

        Assert.Equal(200, answer.StatusCode);
        Assert.True(f.Store.ConfigRevision > revision);
        Assert.Equal(40, (int)f.Store.Config!["ttl"]!);
        Assert.Equal("blue", (string?)f.Store.Config["colour"]);
        Assert.Equal(1, f.Wakeups);
    }

    [Fact]
    public async Task Put_breaking_a_rule_answers_400_and_writes_nothing()
    {
        var f = new Fixture();
        var revision = f.Store.ConfigRevision;

        var answer = await f.Sink.ReplaceConfigAsync(Parse("""{"ttl":30,"loop_wait":10,"retry_timeout":11}"""), CancellationToken.None);

        Assert.Equal(400, answer.StatusCode);
        Assert.StartsWith("retry_timeout: loop_wait + 2*retry_timeout <= ttl is violated", answer.Message, StringComparison.Ordinal);
        Assert.Equal(revision, f.Store.ConfigRevision);
        Assert.Equal(0, f.Wakeups);
    }

    [Fact]
    public async Task Valid_put_replaces_the_config()
    {
        var f = new Fixture();

        var answer = await f.Sink.ReplaceConfigAsync(Parse("""{"ttl":20,"loop_wait":2,"retry_timeout":9}"""), CancellationToken.None);

        Assert.Equal(200, answer.StatusCode);
        Assert.True(JsonNode.DeepEquals(Parse("""{"ttl":20,"loop_wait":2,"retry_timeout":9}"""), f.Store.Config));
        Assert.Equal(1, f.Wakeups);
    }
}
