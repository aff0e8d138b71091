using Microsoft.Extensions.Logging;

namespace NodeAgent.Watchdog;

internal static partial class WatchdogLog
{
    [LoggerMessage(EventId = 5000, Level = LogLevel.Information, Message = "Watchdog activated on {Device} with {Timeout} second timeout, timing slack {Slack} seconds")]
    public static partial void Activated(ILogger logger, string device, int timeout, int slack);

    [LoggerMessage(EventId = 5001, Level = LogLevel.Warning, Message = "Watchdog not supported because leader TTL {Ttl} minus safety margin {SafetyMargin} is less than loop_wait {LoopWait}")]
    public static partial void NoSlack(ILogger logger, int ttl, int safetyMargin, int loopWait);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Warning, Message = "Watchdog device {Device} is not usable, continuing without a watchdog: {Reason}")]
    public static partial void Unavailable(ILogger logger, string device, string reason);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Error, Message = "Watchdog is required but could not be activated on {Device}: {Reason}")]
    public static partial void RequiredUnavailable(ILogger logger, string device, string reason);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Warning, Message = "Watchdog implementation on {Device} can't be disabled. Watchdog will trigger after the agent loses the leader key")]
    public static partial void NoMagicClose(ILogger logger, string device);

    [LoggerMessage(EventId = 5005, Level = LogLevel.Warning, Message = "Watchdog device {Device} does not support setting the timeout; using its own {Actual} seconds")]
    public static partial void NoSetTimeout(ILogger logger, string device, int actual);

    [LoggerMessage(EventId = 5006, Level = LogLevel.Warning, Message = "Watchdog device {Device} timeout is {Actual} seconds instead of the requested {Requested}")]
    public static partial void TimeoutDiffers(ILogger logger, string device, int actual, int requested);

    [LoggerMessage(EventId = 5007, Level = LogLevel.Error, Message = "Watchdog device {Device} timeout {Actual} seconds is smaller than loop_wait {LoopWait}; disabling the watchdog")]
    public static partial void TimeoutTooSmall(ILogger logger, string device, int actual, int loopWait);

    [LoggerMessage(EventId = 5008, Level = LogLevel.Error, Message = "Error while sending keepalive to watchdog {Device}: {Reason}")]
    public static partial void KeepaliveFailed(ILogger logger, string device, string reason);

    [LoggerMessage(EventId = 5009, Level = LogLevel.Information, Message = "Watchdog on {Device} disabled")]
    public static partial void Disabled(ILogger logger, string device);

    [LoggerMessage(EventId = 5010, Level = LogLevel.Error, Message = "Error while disabling watchdog {Device}: {Reason}")]
    public static partial void DisableFailed(ILogger logger, string device, string reason);

    [LoggerMessage(EventId = 5011, Level = LogLevel.Information, Message = "Watchdog on {Device} timeout changed to {Timeout} seconds")]
    public static partial void TimeoutChanged(ILogger logger, string device, int timeout);

    [LoggerMessage(EventId = 5012, Level = LogLevel.Warning, Message = "Not kicking watchdog {Device}: its {Timeout} s timeout would outlast the leader lease, which allows {Remaining:F1} s more; it fires before the lease can expire")]
    public static partial void KickWouldOutlastLease(ILogger logger, string device, int timeout, double remaining);
}
