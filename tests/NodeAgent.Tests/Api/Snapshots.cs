using NodeAgent.Api.Status;

namespace NodeAgent.Tests.Api;

/// <summary>Small builders for status snapshots used by the API tests.</summary>
internal static class Snapshots
{
    public static StatusSnapshot Leader() => new()
    {
        Scope = "batman",
        Name = "u4",
        State = "running",
        Role = "master",
        HoldsLock = true,
        AcceptsWrites = true,
        Ttl = 30,
        XlogLocation = 50331808,
        Timeline = 3,
        ServerVersion = 150002,
        PostmasterStartTime = "2023-05-01 10:00:00.123456+00:00",
        SystemIdentifier = "7212345678901234567",
        DcsLastSeen = 1682935512,
        ClusterLastLsn = 50331808,
        Tags = new Dictionary<string, object?> { ["dc"] = "a" },
        Replication = [new ReplicationRow("replicator", "u5", "10.0.0.2", "streaming", "async", 0)],
    };

    public static StatusSnapshot Replica(ulong replayed = 50331808) => new()
    {
        Scope = "batman",
        Name = "u5",
        State = "running",
        Role = "replica",
        Ttl = 30,
        ReceivedLocation = replayed,
        ReplayedLocation = replayed,
        ReplayPaused = false,
        Timeline = 3,
        ServerVersion = 150002,
        ClusterLastLsn = 50331808,
        DcsLastSeen = 1682935512,
        Tags = new Dictionary<string, object?> { ["dc"] = "b", ["nofailover"] = false, ["weight"] = 3 },
    };

    public static StatusSnapshot WithTags(this StatusSnapshot s, params (string Key, object? Value)[] tags) =>
        s with { Tags = tags.ToDictionary(t => t.Key, t => t.Value) };
}
