namespace NodeAgent.Watchdog;

/// <summary>How much the node insists on a watchdog (Patroni's <c>watchdog.mode</c>).</summary>
public enum WatchdogPolicy
{
    Off,
    Automatic,
    Required,
}

public static class WatchdogPolicies
{
    /// <summary>Patroni's aliases: off/disable/disabled, automatic/auto, required/require (any case).</summary>
    public static bool TryParse(string? text, out WatchdogPolicy policy)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case "off" or "disable" or "disabled" or "false":
                policy = WatchdogPolicy.Off;
                return true;
            case "automatic" or "auto":
                policy = WatchdogPolicy.Automatic;
                return true;
            case "required" or "require":
                policy = WatchdogPolicy.Required;
                return true;
            default:
                policy = WatchdogPolicy.Off;
                return false;
        }
    }

    public static string Name(this WatchdogPolicy policy) => policy switch
    {
        WatchdogPolicy.Automatic => "automatic",
        WatchdogPolicy.Required => "required",
        _ => "off",
    };
}

/// <summary>The <c>watchdog</c> section as the facade needs it; SafetyMargin -1 means ttl/2.</summary>
public sealed record WatchdogOptions(WatchdogPolicy Policy, string Device = "/dev/watchdog", int SafetyMargin = 5);
