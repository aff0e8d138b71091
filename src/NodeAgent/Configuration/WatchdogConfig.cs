namespace NodeAgent.Configuration;

public enum WatchdogMode
{
    Off,
    Automatic,
    Required,
}

public sealed record WatchdogConfig
{
    public WatchdogMode Mode { get; init; } = WatchdogMode.Automatic;
    public string Device { get; init; } = "/dev/watchdog";
    /// <summary>Seconds before the lease expires that the node resets; -1 means ttl/2.</summary>
    public int SafetyMargin { get; init; } = 5;
    public string Driver { get; init; } = "default";
}
