namespace NodeAgent.Api.Health;

/// <summary>The health-check families Patroni serves; several paths map to one family.</summary>
public enum HealthEndpoint
{
    Primary,
    Leader,
    StandbyLeader,
    Replica,
    ReadOnly,
    Health,
    Sync,
    Async,
    ReadOnlySync,
    Quorum,
    ReadOnlyQuorum,
}

/// <summary>Exact path table. Patroni matches by substring; we answer only the documented paths.</summary>
public static class HealthEndpoints
{
    private static readonly Dictionary<string, HealthEndpoint> ByPath = new(StringComparer.Ordinal)
    {
        ["/"] = HealthEndpoint.Primary,
        ["/master"] = HealthEndpoint.Primary,
        ["/primary"] = HealthEndpoint.Primary,
        ["/read-write"] = HealthEndpoint.Primary,
        ["/leader"] = HealthEndpoint.Leader,
        ["/standby-leader"] = HealthEndpoint.StandbyLeader,
        ["/standby_leader"] = HealthEndpoint.StandbyLeader,
        ["/replica"] = HealthEndpoint.Replica,
        ["/read-only"] = HealthEndpoint.ReadOnly,
        ["/health"] = HealthEndpoint.Health,
        ["/sync"] = HealthEndpoint.Sync,
        ["/synchronous"] = HealthEndpoint.Sync,
        ["/async"] = HealthEndpoint.Async,
        ["/asynchronous"] = HealthEndpoint.Async,
        ["/read-only-sync"] = HealthEndpoint.ReadOnlySync,
        ["/read-only-synchronous"] = HealthEndpoint.ReadOnlySync,
        ["/quorum"] = HealthEndpoint.Quorum,
        ["/read-only-quorum"] = HealthEndpoint.ReadOnlyQuorum,
    };

    public static IReadOnlyDictionary<string, HealthEndpoint> All => ByPath;

    public static bool TryParse(string path, out HealthEndpoint endpoint) => ByPath.TryGetValue(path, out endpoint);
}
