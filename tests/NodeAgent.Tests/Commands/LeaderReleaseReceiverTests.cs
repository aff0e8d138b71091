using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using NodeAgent.Commands;
using NodeAgent.Ha;
using NodeAgent.Tests.Component;

namespace NodeAgent.Tests.Commands;

/// <summary>POST /leader_release on a member: only the very key version the old leader names is deleted.</summary>
public sealed class LeaderReleaseReceiverTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly InMemoryDcsStore _store;
    private readonly InMemoryDcs _leader;
    private readonly InMemoryDcs _member;
    private readonly FailsafeAcceptance _acceptance;
    private int _wakeups;

    public LeaderReleaseReceiverTests()
    {
        _store = new InMemoryDcsStore(_time);
        _leader = new InMemoryDcs(_store, "u4", _time);
        _member = new InMemoryDcs(_store, "u5", _time);
        _acceptance = new FailsafeAcceptance(_time);
    }

    private LeaderReleaseReceiver Receiver() =>
        new(_member, _acceptance, () => 3, () => _wakeups++, NullLogger.Instance);

    private static JsonObject Body(string leader, long revision) => new() { ["leader"] = leader, ["mod_revision"] = revision };

    [Fact]
    public async Task The_named_version_is_deleted_the_loop_woken_and_that_leaders_failsafe_acceptance_withdrawn()
    {
        Assert.True(await _leader.AttemptToAcquireLeaderAsync(default));
        _acceptance.Accept(new FailsafeLeader("u4", "postgres://u4", "http://u4:8008/patroni"), TimeSpan.FromSeconds(30));
        var release = _leader.AbandonLeaderLease()!;

        var answer = await Receiver().ReleaseAsync(Body(release.Leader, release.ModRevision), default);

        Assert.Equal((200, "released"), (answer.StatusCode, answer.Message));
        Assert.Null(_store.Leader);
        Assert.Equal(1, _wakeups);
        Assert.Null(_acceptance.Current);
    }

    [Fact]
    public async Task Another_version_or_another_leader_is_left_alone_with_409()
    {
        Assert.True(await _leader.AttemptToAcquireLeaderAsync(default));
        var revision = _store.Leader!.ModRevision;
        _acceptance.Accept(new FailsafeLeader("u4", "postgres://u4", "http://u4:8008/patroni"), TimeSpan.FromSeconds(30));

        var stale = await Receiver().ReleaseAsync(Body("u4", revision - 1), default);
        var other = await Receiver().ReleaseAsync(Body("u6", revision), default);

        Assert.Equal(409, stale.StatusCode);
        Assert.Equal(409, other.StatusCode);
        Assert.Equal(("u4", revision), (_store.Leader!.Name, _store.Leader.ModRevision));
        Assert.Equal(0, _wakeups);
        Assert.NotNull(_acceptance.Current);
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("""{"leader":"u4"}""")]
    [InlineData("""{"mod_revision":7}""")]
    [InlineData("""{"leader":"","mod_revision":7}""")]
    [InlineData("""{"leader":"u4","mod_revision":0}""")]
    [InlineData("""{"leader":"u4","mod_revision":"7"}""")]
    [InlineData("""{"leader":4,"mod_revision":7}""")]
    public async Task A_bad_body_is_refused_with_400_and_changes_nothing(string body)
    {
        Assert.True(await _leader.AttemptToAcquireLeaderAsync(default));

        var answer = await Receiver().ReleaseAsync(JsonNode.Parse(body)!.AsObject(), default);

        Assert.Equal(400, answer.StatusCode);
        Assert.Equal("u4", _store.Leader!.Name);
        Assert.Equal(0, _wakeups);
    }

    [Fact]
    public async Task With_etcd_out_of_reach_it_answers_503()
    {
        Assert.True(await _leader.AttemptToAcquireLeaderAsync(default));
        var revision = _store.Leader!.ModRevision;
        _member.CutOff = true;

        var answer = await Receiver().ReleaseAsync(Body("u4", revision), default);

        Assert.Equal(503, answer.StatusCode);
        Assert.Equal("u4", _store.Leader!.Name);
    }
}
