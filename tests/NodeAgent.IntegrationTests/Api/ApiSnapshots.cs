using NodeAgent.Api.Status;

namespace NodeAgent.IntegrationTests.Api;

internal static class ApiSnapshots
{
    public static StatusSnapshot Leader() => new()
    {
        Scope = "batman",
        Name = "u4",
        State = "running",
        Role = "master",
        HoldsLock = true,
        LockRenewedTimestamp = TimeProvider.System.GetTimestamp(),
        AcceptsWrites = true,
        Ttl = 30,
        XlogLocation = 50331808,
        Timeline = 3,
        ServerVersion = 150002,
        PostmasterStartTime = "2023-05-01 10:00:00.123456+00:00",
        SystemIdentifier = "7212345678901234567",
        DcsLastSeen = 1682935512,
        Tags = new Dictionary<string, object?> { ["dc"] = "a" },
        Replication = [new ReplicationRow("replicator", "u5", "127.0.0.2", "streaming", "async", 0)],
        Watchdog = new WatchdogStatus("automatic", "/dev/watchdog", true, 25, "2023-05-01 10:00:01+00:00"),
    };

    public static StatusSnapshot Replica() => new()
    {
        Scope = "batman",
        Name = "u5",
        State = "running",
        Role = "replica",
        Ttl = 30,
        ReceivedLocation = 50331900,
        ReplayedLocation = 50331808,
        ReplayedTimestamp = "2023-05-01 10:05:00.5+00:00",
        ReplayPaused = false,
        Timeline = 3,
        ServerVersion = 150002,
        ClusterLastLsn = 50331808,
        DcsLastSeen = 1682935512,
    };
}
