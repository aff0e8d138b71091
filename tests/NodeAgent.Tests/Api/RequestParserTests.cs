using System.Text.Json.Nodes;
using NodeAgent.Api.Commands;
using NodeAgent.Api.Health;

namespace NodeAgent.Tests.Api;

public sealed class RequestParserTests
{
    private static readonly DateTimeOffset Now = new(2030, 1, 1, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("15.4", null)]
    [InlineData("9.6.3", null)]
    [InlineData("9.6", "Invalid PostgreSQL version format: X.Y or X.Y.Z is accepted: 9.6")]
    [InlineData("10", "Invalid PostgreSQL version format: X.Y or X.Y.Z is accepted: 10")]
    [InlineData("a.b.c", "Invalid PostgreSQL version: a.b.c")]
    public void Validates_postgres_versions(string version, string? error) =>
        Assert.Equal(error, RestartRequestParser.ValidateVersion(version));

    [Theory]
    [InlineData("2030-01-01T12:59:00+01:00", 422, "Cannot schedule restart in the past")]
    [InlineData("2030-01-01T13:00:00", 400, "Timezone information is mandatory for the scheduled restart")]
    [InlineData("tomorrow", 422, "Unable to parse scheduled timestamp. It should be in an unambiguous format, e.g. ISO 8601")]
    public void Rejects_bad_schedules(string text, int code, string message)
    {
        Assert.False(ScheduleParser.TryParse(text, "restart", Now, out _, out var error));
        Assert.Equal(ApiCommandResult.Text(code, message), error);
    }

    [Fact]
    public void Accepts_a_future_schedule_with_zone()
    {
        Assert.True(ScheduleParser.TryParse("2030-01-01T13:30:00+01:00", "switchover", Now, out var at, out _));
        Assert.Equal(Now.AddMinutes(30), at);
    }

    [Fact]
    public void Paused_cluster_refuses_a_scheduled_restart_and_a_candidateless_switchover()
    {
        Assert.False(RestartRequestParser.TryParse(new JsonObject { ["schedule"] = "2030-02-01T00:00:00Z" }, paused: true, Now, out _, out var restartError));
        Assert.False(SwitchoverRequestParser.TryParse(new JsonObject { ["leader"] = "u4" }, SwitchoverKind.Switchover, paused: true, Now, out _, out var switchError));

        Assert.Equal(500, restartError!.StatusCode);
        Assert.Equal("Switchover is possible only to a specific candidate in a paused state", switchError!.Message);
    }

    [Fact]
    public void Restart_body_keeps_every_filter_and_the_schedule()
    {
        var body = JsonNode.Parse("""{"restart_pending":false,"role":"replica","postgres_version":"15.2","timeout":"30s","schedule":"2030-01-01T13:00:00+00:00"}""")!.AsObject();

        Assert.True(RestartRequestParser.TryParse(body, paused: false, Now, out var command, out var error));

        Assert.Null(error);
        // Present at all means "only if pending" to Patroni (ha.py: 'restart_pending' in restart_data).
        Assert.Equal(new RestartCommand(false, "replica", "15.2", 30, Now.AddHours(1)), command);
    }

    [Theory]
    [InlineData("""{"role":"leader"}""", 400, "PostgreSQL role should be either primary or replica")]
    [InlineData("""{"timeout":-1}""", 400, "Timeout should be a positive number of seconds")]
    [InlineData("""{"postgres_version":"9.6"}""", 400, "Invalid PostgreSQL version format: X.Y or X.Y.Z is accepted: 9.6")]
    [InlineData("""{"schedule":"2029-12-31T00:00:00+00:00"}""", 422, "Cannot schedule restart in the past")]
    [InlineData("""{"schedule":"soon"}""", 422, "Unable to parse scheduled timestamp. It should be in an unambiguous format, e.g. ISO 8601")]
    public void Restart_body_errors_are_patronis(string json, int status, string message)
    {
        Assert.False(RestartRequestParser.TryParse(JsonNode.Parse(json)!.AsObject(), paused: false, Now, out _, out var error));

        Assert.Equal(ApiCommandResult.Text(status, message), error);
    }

    [Theory]
    [InlineData("30", 30)]
    [InlineData("2min", 120)]
    [InlineData("1500ms", 2)]
    [InlineData("1h", 3600)]
    public void Parses_timeouts(string text, int seconds) =>
        Assert.Equal(seconds, RestartRequestParser.ParseSeconds(JsonValue.Create(text)));

    [Fact]
    public void Liveness_allows_twice_the_ttl_on_a_replica_and_ignores_a_stuck_loop_when_paused()
    {
        var replica = Snapshots.Replica();
        var leader = Snapshots.Leader();

        Assert.Equal(200, ProbeEvaluator.Liveness(replica, TimeSpan.FromSeconds(45)));
        Assert.Equal(503, ProbeEvaluator.Liveness(leader, TimeSpan.FromSeconds(45)));
        Assert.Equal(503, ProbeEvaluator.Liveness(replica, TimeSpan.FromSeconds(61)));
        Assert.Equal(200, ProbeEvaluator.Liveness(leader with { Paused = true }, TimeSpan.FromHours(1)));
        Assert.Equal(200, ProbeEvaluator.Liveness(leader, TimeSpan.FromSeconds(-5)));
    }

    [Fact]
    public void Readiness_needs_a_fresh_lock_or_running_postgres_with_dcs()
    {
        Assert.Equal(200, ProbeEvaluator.Readiness(Snapshots.Leader() with { State = "stopped" }, TimeSpan.FromSeconds(1)));
        Assert.Equal(503, ProbeEvaluator.Readiness(Snapshots.Leader() with { State = "stopped" }, TimeSpan.FromSeconds(40)));
        Assert.Equal(503, ProbeEvaluator.Readiness(Snapshots.Replica() with { DcsAvailable = false }, TimeSpan.Zero));
        Assert.Equal(200, ProbeEvaluator.Readiness(Snapshots.Replica(), TimeSpan.Zero));
    }

    [Fact]
    public void Query_takes_lag_and_tags_and_ignores_the_rest()
    {
        var query = HealthQuery.From([new("lag", "16kB"), new("tag_dc", "a"), new("foo", "bar")]);

        Assert.Equal(16384UL, query.MaxLagBytes);
        Assert.Equal([new KeyValuePair<string, string>("dc", "a")], query.Tags);
    }
}
