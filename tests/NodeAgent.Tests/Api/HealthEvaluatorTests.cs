using NodeAgent.Api.Health;
using NodeAgent.Api.Status;

namespace NodeAgent.Tests.Api;

public sealed class HealthEvaluatorTests
{
    private static readonly TimeSpan Fresh = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Stale = TimeSpan.FromSeconds(31);

    public static TheoryData<string, string, string, string, int> Cases => new()
    {
        // case name, snapshot, path, query, expected
        { "leader /master", "leader", "/master", "", 200 },
        { "leader / is primary", "leader", "/", "", 200 },
        { "leader /primary", "leader", "/primary", "", 200 },
        { "leader /read-write", "leader", "/read-write", "", 200 },
        { "leader /leader", "leader", "/leader", "", 200 },
        { "leader /replica", "leader", "/replica", "", 503 },
        { "leader /read-only", "leader", "/read-only", "", 200 },
        { "leader /health", "leader", "/health", "", 200 },
        { "leader /standby-leader", "leader", "/standby-leader", "", 503 },
        { "leader /read-only-sync", "leader", "/read-only-sync", "", 200 },
        { "leader /sync", "leader", "/sync", "", 503 },
        { "leader /async", "leader", "/async", "", 503 },
        { "leader tags ignored on /primary", "leader", "/primary", "tag_dc=zzz", 200 },
        { "stale lock /master", "stale", "/master", "", 503 },
        { "stale lock /primary", "stale", "/primary", "", 503 },
        { "stale lock /leader", "stale", "/leader", "", 503 },
        { "stale lock /read-write", "stale", "/read-write", "", 503 },
        { "stale lock /health still running", "stale", "/health", "", 200 },
        { "no writes /primary", "readonly-leader", "/primary", "", 503 },
        { "no writes /master", "readonly-leader", "/master", "", 503 },
        { "no writes /read-write", "readonly-leader", "/read-write", "", 503 },
        { "no writes /leader still holds lock", "readonly-leader", "/leader", "", 200 },
        { "promoting lock holder /primary", "promoting", "/primary", "", 200 },
        { "promoting lock holder /master", "promoting", "/master", "", 200 },
        { "promoting lock holder leaves /replica", "promoting", "/replica", "", 503 },
        { "promoting lock holder /read-only", "promoting", "/read-only", "", 200 },
        { "promoting with a stale lock /primary", "promoting-stale", "/primary", "", 503 },
        { "promoting without the lock /primary", "promoting-no-lock", "/primary", "", 503 },
        { "promoting without the lock stays a replica", "promoting-no-lock", "/replica", "", 200 },
        { "replica held off after a switchover takes no readers", "held-off", "/replica", "", 503 },
        { "replica held off after a switchover /read-only", "held-off", "/read-only", "", 503 },
        { "replica held off after a switchover is no primary", "held-off", "/primary", "", 503 },
        { "replica /master", "replica", "/master", "", 503 },
        { "replica /leader", "replica", "/leader", "", 503 },
        { "replica /replica", "replica", "/replica", "", 200 },
        { "replica /read-only", "replica", "/read-only", "", 200 },
        { "replica /async", "replica", "/async", "", 200 },
        { "replica /asynchronous", "replica", "/asynchronous", "", 200 },
        { "replica /sync not sync", "replica", "/sync", "", 503 },
        { "replica /read-only-sync not sync", "replica", "/read-only-sync", "", 503 },
        { "sync replica /sync", "sync-replica", "/sync", "", 200 },
        { "sync replica /synchronous", "sync-replica", "/synchronous", "", 200 },
        { "sync replica /async", "sync-replica", "/async", "", 503 },
        { "sync replica /read-only-synchronous", "sync-replica", "/read-only-synchronous", "", 200 },
        { "sync replica /quorum", "sync-replica", "/quorum", "", 503 },
        { "quorum replica /quorum", "quorum-replica", "/quorum", "", 200 },
        { "quorum replica /read-only-quorum", "quorum-replica", "/read-only-quorum", "", 200 },
        { "quorum replica /sync", "quorum-replica", "/sync", "", 503 },
        { "quorum replica /read-only-sync", "quorum-replica", "/read-only-sync", "", 503 },
        { "quorum replica /async", "quorum-replica", "/async", "", 503 },
        { "replica /quorum not quorum", "replica", "/quorum", "", 503 },
        { "replica /read-only-quorum not quorum", "replica", "/read-only-quorum", "", 503 },
        { "leader /read-only-quorum", "leader", "/read-only-quorum", "", 200 },
        { "leader /quorum", "leader", "/quorum", "", 503 },
        { "replica lag under bytes", "replica-behind-1MiB", "/replica", "lag=2097152", 200 },
        { "replica lag over bytes", "replica-behind-1MiB", "/replica", "lag=1000", 503 },
        { "replica lag 16kB over", "replica-behind-1MiB", "/replica", "lag=16kB", 503 },
        { "replica lag 64MB under", "replica-behind-1MiB", "/replica", "lag=64MB", 200 },
        { "replica lag 1GB under", "replica-behind-1MiB", "/replica", "lag=1GB", 200 },
        { "replica lag exactly 1MB", "replica-behind-1MiB", "/replica", "lag=1MB", 200 },
        { "replica lag garbage means no limit", "replica-behind-1MiB", "/replica", "lag=lots", 200 },
        { "replica no lag param", "replica-behind-1MiB", "/replica", "", 200 },
        { "read-only lagging", "replica-behind-1MiB", "/read-only", "lag=1kB", 503 },
        { "replica tag match", "replica", "/replica", "tag_dc=b", 200 },
        { "replica tag mismatch", "replica", "/replica", "tag_dc=a", 503 },
        { "replica tag missing", "replica", "/replica", "tag_rack=1", 503 },
        { "replica bool tag lowercased", "replica", "/replica", "tag_nofailover=false", 200 },
        { "replica bool tag True not matched", "replica", "/replica", "tag_nofailover=False", 503 },
        { "replica int tag", "replica", "/replica", "tag_weight=3", 200 },
        { "replica two tags one wrong", "replica", "/replica", "tag_dc=b&tag_weight=4", 503 },
        { "replica noloadbalance", "noloadbalance", "/replica", "", 503 },
        { "replica noloadbalance /read-only", "noloadbalance", "/read-only", "", 503 },
        { "stopped replica", "stopped", "/replica", "", 503 },
        { "stopped /health", "stopped", "/health", "", 503 },
        { "dcs down /async", "replica-no-dcs", "/async", "", 503 },
        { "dcs down /replica", "replica-no-dcs", "/replica", "", 200 },
        { "standby leader /standby-leader", "standby-leader", "/standby-leader", "", 200 },
        { "standby leader /standby_leader", "standby-leader", "/standby_leader", "", 200 },
        { "standby leader /leader", "standby-leader", "/leader", "", 200 },
        { "standby leader /primary", "standby-leader", "/primary", "", 503 },
        { "standby leader /replica", "standby-leader", "/replica", "", 503 },
        { "standby leader /read-only", "standby-leader", "/read-only", "", 200 },
        { "paused no dcs master by role", "paused-no-dcs-master", "/master", "", 200 },
        { "paused no dcs leader by role", "paused-no-dcs-master", "/leader", "", 200 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Evaluates_health_checks(string name, string snapshot, string path, string query, int expected)
    {
        var (s, lockAge) = Build(snapshot);
        Assert.True(HealthEndpoints.TryParse(path, out var endpoint), name);

        var code = HealthEvaluator.Evaluate(endpoint, ParseQuery(query), s, lockAge);

        Assert.Equal(expected, code);
    }

    [Fact]
    public void Unknown_paths_are_not_health_checks()
    {
        Assert.False(HealthEndpoints.TryParse("/replicas", out _));
        Assert.False(HealthEndpoints.TryParse("/masterful", out _));
    }

    [Fact]
    public void Lock_exactly_ttl_old_is_stale()
    {
        var leader = Snapshots.Leader();
        Assert.Equal(503, HealthEvaluator.Evaluate(HealthEndpoint.Primary, HealthQuery.None, leader, TimeSpan.FromSeconds(30)));
        Assert.Equal(200, HealthEvaluator.Evaluate(HealthEndpoint.Primary, HealthQuery.None, leader, TimeSpan.FromSeconds(29.9)));
    }

    [Fact]
    public void Tags_parsed_from_json_compare_like_patroni()
    {
        using var doc = System.Text.Json.JsonDocument.Parse("{\"rack\":\"R1\",\"nosync\":true,\"weight\":2}");
        var tags = doc.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value.Clone());
        var replica = Snapshots.Replica() with { Tags = tags };

        int Check(string query) => HealthEvaluator.Evaluate(HealthEndpoint.Replica, ParseQuery(query), replica, Fresh);

        Assert.Equal(200, Check("tag_rack=R1&tag_nosync=true&tag_weight=2"));
        Assert.Equal(503, Check("tag_rack=r1"));
    }

    [Theory]
    [InlineData("1024", 1024UL)]
    [InlineData("16kB", 16384UL)]
    [InlineData("64MB", 67108864UL)]
    [InlineData("1GB", 1073741824UL)]
    [InlineData(" 2 TB ", 2199023255552UL)]
    [InlineData("1.5kB", 1536UL)]
    public void Parses_lag_sizes(string text, ulong expected)
    {
        Assert.True(ByteSize.TryParse(text, out var bytes));
        Assert.Equal(expected, bytes);
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("-5")]
    [InlineData("10XB")]
    public void Rejects_bad_lag_sizes(string text) => Assert.False(ByteSize.TryParse(text, out _));

    private static HealthQuery ParseQuery(string query) => HealthQuery.From(
        query.Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .Select(p => KeyValuePair.Create(p[0], p.Length > 1 ? p[1] : "")));

    private static (StatusSnapshot Snapshot, TimeSpan LockAge) Build(string name) => name switch
    {
        "leader" => (Snapshots.Leader(), Fresh),
        "stale" => (Snapshots.Leader(), Stale),
        "readonly-leader" => (Snapshots.Leader() with { AcceptsWrites = false }, Fresh),
        "replica" => (Snapshots.Replica(), Fresh),
        "promoting" => (Snapshots.Replica() with { HoldsLock = true, Promoting = true }, Fresh),
        "promoting-stale" => (Snapshots.Replica() with { HoldsLock = true, Promoting = true }, Stale),
        "promoting-no-lock" => (Snapshots.Replica() with { Promoting = true }, Fresh),
        "held-off" => (Snapshots.Replica() with { ClientsHeldOff = true }, Fresh),
        "sync-replica" => (Snapshots.Replica() with { SyncStandby = true }, Fresh),
        "quorum-replica" => (Snapshots.Replica() with { QuorumStandby = true }, Fresh),
        "replica-behind-1MiB" => (Snapshots.Replica(replayed: 50331808 - 1048576), Fresh),
        "noloadbalance" => (Snapshots.Replica().WithTags(("noloadbalance", true)), Fresh),
        "stopped" => (Snapshots.Replica() with { State = "stopped" }, Fresh),
        "replica-no-dcs" => (Snapshots.Replica() with { DcsAvailable = false }, Fresh),
        "standby-leader" => (Snapshots.Replica() with { Role = "standby_leader", HoldsLock = true, IsStandbyCluster = true }, Fresh),
        "paused-no-dcs-master" => (Snapshots.Leader() with { HoldsLock = false, Paused = true, DcsAvailable = false }, Stale),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };
}
