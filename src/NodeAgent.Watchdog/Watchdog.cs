using Microsoft.Extensions.Logging;

namespace NodeAgent.Watchdog;

/// <summary>
/// Patroni's watchdog behaviour (<c>watchdog/base.py</c>) over an <see cref="IWatchdogDevice"/>:
/// timeout = ttl - safety_margin (ttl/2 for -1), refused without timing slack, the device's real timeout read back,
/// a changed timeout applied at the next keepalive. Device failures never throw out of here; they show in
/// <see cref="Status"/> and, in required mode, in <see cref="Activate"/>'s result and <see cref="IsHealthy"/>.
/// </summary>
public sealed class Watchdog : IWatchdog
{
    private readonly WatchdogOptions _options;
    private readonly IWatchdogDevice _device;
    private readonly TimeProvider _time;
    private readonly ILogger<Watchdog> _logger;
    private readonly Lock _gate = new();

    private int? _ttl;
    private int? _loopWait;
    private bool _armed;
    private bool _canSetTimeout;
    private int? _timeout;
    private int? _pendingTimeout;
    private DateTimeOffset? _lastKeepalive;
    private long _lastKickTimestamp;
    private string? _error;
    private bool _activationFailed;
    private bool _warnedUnavailable;

    public Watchdog(WatchdogOptions options, IWatchdogDevice device, TimeProvider time, ILogger<Watchdog> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);
        _options = options;
        _device = device;
        _time = time;
        _logger = logger;
    }

    public bool IsHealthy
    {
        get
        {
            lock (_gate)
            {
                return _options.Policy != WatchdogPolicy.Required || (_device.IsWritable && HasSlack());
            }
        }
    }

    public WatchdogState Status
    {
        get
        {
            lock (_gate)
            {
                var failed = _options.Policy == WatchdogPolicy.Required && (_activationFailed || !_device.IsWritable);
                return new WatchdogState(_options.Policy.Name(), _device.Path, _armed, _timeout, _lastKeepalive, failed, _error);
            }
        }
    }

    public long? ResetDueTimestamp
    {
        get
        {
            lock (_gate)
            {
                return _armed && _timeout is { } timeout ? _lastKickTimestamp + (timeout * _time.TimestampFrequency) : null;
            }
        }
    }

    public bool Activate(int ttl, int loopWait, LeaseDeadline deadline)
    {
        lock (_gate)
        {
            if (_options.Policy == WatchdogPolicy.Off)
            {
                return true;
            }

            if (_armed)
            {
                ReconfigureLocked(ttl, loopWait);
                return _armed || _options.Policy != WatchdogPolicy.Required;
            }

            (_ttl, _loopWait) = (ttl, loopWait);
            if (!HasSlack())
            {
                WatchdogLog.NoSlack(_logger, ttl, _options.SafetyMargin, loopWait);
                return Fail("leader TTL minus safety margin is less than loop_wait", logged: true);
            }

            try
            {
                return Arm(DesiredTimeout(ttl), loopWait, deadline);
            }
            catch (WatchdogDeviceException e)
            {
                CloseQuietly();
                return Fail(e.Message, logged: false);
            }
        }
    }

    public void Reconfigure(int ttl, int loopWait)
    {
        lock (_gate)
        {
            ReconfigureLocked(ttl, loopWait);
        }
    }

    public void Keepalive(LeaseDeadline deadline)
    {
        lock (_gate)
        {
            if (!_armed)
            {
                return;
            }

            try
            {
                ApplyPendingTimeout();
                // The device resets the machine timeout seconds after this kick: that must come before the lease can expire.
                var remaining = deadline.Remaining(_time.GetTimestamp(), _time.TimestampFrequency);
                if (_timeout is { } timeout && TimeSpan.FromSeconds(timeout) > remaining)
                {
                    WatchdogLog.KickWouldOutlastLease(_logger, _device.Path, timeout, remaining.TotalSeconds);
                    return;
                }

                _device.Keepalive();
                _lastKeepalive = _time.GetUtcNow();
                _lastKickTimestamp = _time.GetTimestamp();
            }
            catch (WatchdogDeviceException e)
            {
                _error = e.Message;
                WatchdogLog.KeepaliveFailed(_logger, _device.Path, e.Message);
            }
        }
    }

    public void Disable()
    {
        lock (_gate)
        {
            DisableLocked();
        }
    }

    private bool Arm(int desired, int loopWait, LeaseDeadline deadline)
    {
        if (TimeSpan.FromSeconds(desired) > deadline.Remaining(_time.GetTimestamp(), _time.TimestampFrequency))
        {
            return Fail($"watchdog timeout {desired}s would outlast the leader lease", logged: false);
        }

        _device.Open();
        var support = _device.GetSupport();
        _canSetTimeout = support.HasFlag(WatchdogSupport.SetTimeout);
        if (!support.HasFlag(WatchdogSupport.MagicClose))
        {
            WatchdogLog.NoMagicClose(_logger, _device.Path);
        }

        if (_canSetTimeout)
        {
            _device.SetTimeout(desired);
        }

        var actual = _device.GetTimeout();
        if (!_canSetTimeout)
        {
            WatchdogLog.NoSetTimeout(_logger, _device.Path, actual);
        }
        else if (actual != desired)
        {
            WatchdogLog.TimeoutDiffers(_logger, _device.Path, actual, desired);
        }

        if (TimeSpan.FromSeconds(actual) > deadline.Remaining(_time.GetTimestamp(), _time.TimestampFrequency))
        {
            CloseQuietly();
            return Fail($"device timeout {actual}s would outlast the leader lease", logged: false);
        }

        if (actual < loopWait)
        {
            WatchdogLog.TimeoutTooSmall(_logger, _device.Path, actual, loopWait);
            CloseQuietly();
            return Fail($"device timeout {actual}s is smaller than loop_wait {loopWait}s", logged: true);
        }

        (_armed, _timeout, _pendingTimeout, _error, _activationFailed, _warnedUnavailable) = (true, actual, null, null, false, false);
        _lastKickTimestamp = _time.GetTimestamp();
        WatchdogLog.Activated(_logger, _device.Path, actual, actual - loopWait);
        return true;
    }

    private void ReconfigureLocked(int ttl, int loopWait)
    {
        (_ttl, _loopWait) = (ttl, loopWait);
        if (!_armed)
        {
            return;
        }

        if (!HasSlack())
        {
            WatchdogLog.NoSlack(_logger, ttl, _options.SafetyMargin, loopWait);
            DisableLocked();
            Fail("leader TTL minus safety margin is less than loop_wait", logged: true);
            return;
        }

        var desired = DesiredTimeout(ttl);
        _pendingTimeout = _canSetTimeout && desired != _timeout ? desired : null;
    }

    private void ApplyPendingTimeout()
    {
        if (_pendingTimeout is not { } desired)
        {
            return;
        }

        _pendingTimeout = null;
        _device.SetTimeout(desired);
        _timeout = _device.GetTimeout();
        WatchdogLog.TimeoutChanged(_logger, _device.Path, _timeout.Value);
    }

    private void DisableLocked()
    {
        if (!_armed && !_device.IsOpen)
        {
            return;
        }

        try
        {
            _device.MagicClose();
            WatchdogLog.Disabled(_logger, _device.Path);
        }
        catch (WatchdogDeviceException e)
        {
            _error = e.Message;
            WatchdogLog.DisableFailed(_logger, _device.Path, e.Message);
        }

        (_armed, _timeout, _pendingTimeout) = (false, null, null);
    }

    private bool Fail(string reason, bool logged)
    {
        (_error, _activationFailed) = (reason, true);
        if (_options.Policy == WatchdogPolicy.Required)
        {
            WatchdogLog.RequiredUnavailable(_logger, _device.Path, reason);
            return false;
        }

        if (!logged && !_warnedUnavailable)
        {
            WatchdogLog.Unavailable(_logger, _device.Path, reason);
        }

        _warnedUnavailable = true;
        return true;
    }

    private void CloseQuietly()
    {
        try
        {
            _device.MagicClose();
        }
        catch (WatchdogDeviceException)
        {
            // Already failing; the original error is the one worth reporting.
        }
    }

    private bool HasSlack() => _ttl is not { } ttl || _loopWait is not { } loopWait || DesiredTimeout(ttl) - loopWait >= 0;

    private int DesiredTimeout(int ttl) => _options.SafetyMargin == -1 ? ttl / 2 : ttl - _options.SafetyMargin;
}
