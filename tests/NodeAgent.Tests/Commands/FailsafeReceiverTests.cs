using System.Text.Json.Nodes;
using NodeAgent.Commands;
using NodeAgent.Configuration;
using NodeAgent.Ha;
using NodeAgent.Tests.Component;

namespace NodeAgent.Tests.Commands;

/// <summary>POST /failsafe on a member (ha.py:update_failsafe, api.py:do_POST_failsafe).</summary>
public sealed class FailsafeReceiverTests
{
    private readonly FakeTimeProvider _time = new();

    private static JsonObject Heartbeat(int? ttl = null)
    {
        var body = new JsonObject { ["name"] = "u4", ["conn_url"] = "postgres://127.0.0.4:5432/postgres", ["api_url"] = "http://127.0.0.4:8008/patroni" };
        if (ttl is { } t)
        {
            body["ttl"] = t;
        }

        return body;
    }

    [Fact]
    public void A_replica_accepts_and_stays_out_of_the_race_for_the_longer_ttl()
    {
        var acceptance = new FailsafeAcceptance(_time);
        var receiver = new FailsafeReceiver(acceptance, () => new DynamicConfig { FailsafeMode = true, Ttl = 10 }, () => false);

        var answer = receiver.Accept(Heartbeat(ttl: 20));

        Assert.Equal((200, "Accepted"), (answer.StatusCode, answer.Message));
        Assert.Equal("u4", acceptance.Current!.Leader.Name);
        Assert.Equal(TimeSpan.FromSeconds(20), acceptance.Current.ValidFor);
        _time.Advance(TimeSpan.FromSeconds(19.9));
        Assert.True(acceptance.Current.Fresh);
        _time.Advance(TimeSpan.FromSeconds(0.1));
        Assert.False(acceptance.Current.Fresh);
    }

    [Fact]
    public void A_heartbeat_without_ttl_is_valid_for_the_members_own_ttl()
    {
        var acceptance = new FailsafeAcceptance(_time);
        new FailsafeReceiver(acceptance, () => new DynamicConfig { FailsafeMode = true, Ttl = 10 }, () => false).Accept(Heartbeat());

        Assert.Equal(TimeSpan.FromSeconds(10), acceptance.Current!.ValidFor);
    }

    [Fact]
    public void A_node_running_a_primary_refuses_and_records_nothing()
    {
        var acceptance = new FailsafeAcceptance(_time);
        var answer = new FailsafeReceiver(acceptance, () => new DynamicConfig { FailsafeMode = true }, () => true).Accept(Heartbeat());

        Assert.Equal((500, "Running as a leader"), (answer.StatusCode, answer.Message));
        Assert.Null(acceptance.Current);
    }

    [Fact]
    public void A_heartbeat_missing_a_field_is_a_clear_error_and_records_nothing()
    {
        var acceptance = new FailsafeAcceptance(_time);
        var body = Heartbeat();
        body.Remove("api_url");

        var answer = new FailsafeReceiver(acceptance, () => new DynamicConfig { FailsafeMode = true }, () => false).Accept(body);

        Assert.Equal(400, answer.StatusCode);
        Assert.Null(acceptance.Current);
    }
}
