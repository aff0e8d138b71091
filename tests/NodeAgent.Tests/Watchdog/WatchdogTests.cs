using Microsoft.Extensions.Logging;
using NodeAgent.Watchdog;

namespace NodeAgent.Tests.Watchdog;

public sealed class WatchdogTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly FakeWatchdogDevice _device = new();
    private readonly ManualTimeProvider _time = new(T0);
    private readonly ListLogger<NodeAgent.Watchdog.Watchdog> _log = new();

    /// <summary>A renewal just now on a lease with this ttl, as the agent arms and kicks with it.</summary>
    private LeaseDeadline Lease(int ttl) => new(_time.GetTimestamp(), TimeSpan.FromSeconds(ttl - 1));

    private NodeAgent.Watchdog.Watchdog Create(WatchdogPolicy policy = WatchdogPolicy.Automatic, int safetyMargin = 5) =>
        new(new WatchdogOptions(policy, _device.Path, safetyMargin), _device, _time, _log);

    [Fact]
    public void Activate_arms_with_ttl_minus_safety_margin()
    {
        var watchdog = Create();

        Assert.True(watchdog.Activate(30, 10, Lease(30)));

        Assert.Equal(["Open", "GetSupport", "SetTimeout(25)", "GetTimeout"], _device.Calls);
        Assert.Equal(new WatchdogState("automatic", _device.Path, true, 25, null, false, null), watchdog.Status);
    }

    [Fact]
    public void Safety_margin_minus_one_means_half_the_ttl()
    {
        var watchdog = Create(safetyMargin: -1);

        Assert.True(watchdog.Activate(30, 10, Lease(30)));

        Assert.Contains("SetTimeout(15)", _device.Calls);
    }

    [Fact]
    public void Keepalives_write_once_each_and_record_the_time()
    {
        var watchdog = Create();
        watchdog.Activate(30, 10, Lease(30));
        _device.Calls.Clear();

        for (var i = 0; i < 3; i++)
        {
            _time.Now = T0.AddSeconds(10 * (i + 1));
            watchdog.Keepalive(Lease(30));
        }

        Assert.Equal(["Keepalive", "Keepalive", "Keepalive"], _device.Calls);
        Assert.Equal(T0.AddSeconds(30), watchdog.Status.LastKeepalive);
    }

    [Fact]
    public void Keepalive_before_activation_does_nothing()
    {
        var watchdog = Create();

        watchdog.Keepalive(Lease(30));

        Assert.Empty(_device.Calls);
        Assert.Null(watchdog.Status.LastKeepalive);
    }

    [Fact]
    public void Demote_pause_and_shutdown_disable_with_magic_close_once()
    {
        var watchdog = Create();
        watchdog.Activate(30, 10, Lease(30));
        watchdog.Keepalive(Lease(30));

        watchdog.Disable(); // demote
        watchdog.Disable(); // pause: already disabled
        watchdog.Keepalive(Lease(30)); // nothing to kick while disabled
        watchdog.Disable(); // shutdown

        Assert.Equal(["Open", "GetSupport", "SetTimeout(25)", "GetTimeout", "Keepalive", "MagicClose"], _device.Calls);
        Assert.False(watchdog.Status.Armed);
        Assert.Null(watchdog.Status.TimeoutSeconds);
    }

    [Fact]
    public void Promote_after_demote_arms_again()
    {
        var watchdog = Create();
        watchdog.Activate(30, 10, Lease(30));
        watchdog.Disable();
        _device.Calls.Clear();

        Assert.True(watchdog.Activate(30, 10, Lease(30)));

        Assert.Equal(["Open", "GetSupport", "SetTimeout(25)", "GetTimeout"], _device.Calls);
    }

    [Fact]
    public void Changed_timeout_is_applied_at_the_next_keepalive()
    {
        var watchdog = Create();
        watchdog.Activate(30, 10, Lease(30));
        _device.Calls.Clear();

        watchdog.Reconfigure(40, 10);
        Assert.Empty(_device.Calls);
        watchdog.Keepalive(Lease(40));
        watchdog.Keepalive(Lease(40));

        Assert.Equal(["SetTimeout(35)", "GetTimeout", "Keepalive", "Keepalive"], _device.Calls);
        Assert.Equal(35, watchdog.Status.TimeoutSeconds);
    }

    [Fact]
    public void Activate_while_armed_only_schedules_the_new_timeout()
    {
        var watchdog = Create();
        watchdog.Activate(30, 10, Lease(30));
        _device.Calls.Clear();

        Assert.True(watchdog.Activate(20, 5, Lease(20)));
        watchdog.Keepalive(Lease(30));

        Assert.Equal(["SetTimeout(15)", "GetTimeout", "Keepalive"], _device.Calls);
    }

    [Fact]
    public void No_timing_slack_means_not_supported()
    {
        var automatic = Create(safetyMargin: 25);

        Assert.True(automatic.Activate(30, 10, Lease(30)));
        Assert.Empty(_device.Calls);
        Assert.False(automatic.Status.Armed);
        Assert.Contains(_log.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("not supported", StringComparison.Ordinal));

        var required = Create(WatchdogPolicy.Required, safetyMargin: 25);
        Assert.False(required.Activate(30, 10, Lease(30)));
        Assert.False(required.IsHealthy);
        Assert.True(required.Status.Failed);
    }

    [Fact]
    public void Device_timeout_below_loop_wait_disables()
    {
        _device.FixedTimeout = 5;
        var watchdog = Create(WatchdogPolicy.Required);

        Assert.False(watchdog.Activate(30, 10, Lease(30)));

        Assert.Equal(["Open", "GetSupport", "SetTimeout(25)", "GetTimeout", "MagicClose"], _device.Calls);
        Assert.False(watchdog.Status.Armed);
        Assert.True(watchdog.Status.Failed);
    }

    [Fact]
    public void Device_without_settimeout_keeps_its_own_timeout()
    {
        _device.Support = WatchdogSupport.MagicClose;
        _device.FixedTimeout = 20;
        var watchdog = Create();

        Assert.True(watchdog.Activate(30, 10, Lease(30)));

        Assert.Equal(["Open", "GetSupport", "GetTimeout"], _device.Calls);
        Assert.Equal(20, watchdog.Status.TimeoutSeconds);
    }

    [Fact]
    public void Device_whose_own_timeout_outlasts_the_lease_is_closed_and_required_mode_refuses()
    {
        _device.Support = WatchdogSupport.MagicClose;
        _device.FixedTimeout = 60;
        var watchdog = Create(WatchdogPolicy.Required);

        Assert.False(watchdog.Activate(30, 10, Lease(30)));

        Assert.Equal(["Open", "GetSupport", "GetTimeout", "MagicClose"], _device.Calls);
        Assert.False(watchdog.Status.Armed);
        Assert.Contains("would outlast the leader lease", watchdog.Status.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_kick_that_would_let_the_device_fire_after_the_lease_expired_is_not_made()
    {
        var watchdog = Create();
        Assert.True(watchdog.Activate(30, 10, Lease(30)));
        _device.Calls.Clear();

        // The renewal is 5 s old: a 25 s timeout from now would end 1 s after the fence deadline of renewal + 29 s.
        var renewed = _time.GetTimestamp();
        _time.Now += TimeSpan.FromSeconds(5);
        watchdog.Keepalive(new LeaseDeadline(renewed, TimeSpan.FromSeconds(29)));
        Assert.Empty(_device.Calls);

        watchdog.Keepalive(Lease(30));
        Assert.Equal(["Keepalive"], _device.Calls);
    }

    [Fact]
    public void Automatic_without_a_device_warns_once_and_is_not_failed()
    {
        _device.Exists = false;
        var watchdog = Create();

        Assert.True(watchdog.Activate(30, 10, Lease(30)));
        Assert.True(watchdog.Activate(30, 10, Lease(30)));

        Assert.Single(_log.Entries, e => e.Level >= LogLevel.Warning);
        Assert.True(watchdog.IsHealthy);
        var status = watchdog.Status;
        Assert.False(status.Armed);
        Assert.False(status.Failed);
        Assert.Contains("does not exist", status.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Required_without_a_device_is_unhealthy_and_failed()
    {
        _device.Exists = false;
        var watchdog = Create(WatchdogPolicy.Required);

        Assert.False(watchdog.IsHealthy);
        Assert.True(watchdog.Status.Failed);
        Assert.False(watchdog.Activate(30, 10, Lease(30)));
        Assert.Contains(_log.Entries, e => e.Level == LogLevel.Error);
    }

    [Fact]
    public void Off_never_touches_the_device()
    {
        var watchdog = Create(WatchdogPolicy.Off);

        Assert.True(watchdog.Activate(30, 10, Lease(30)));
        watchdog.Keepalive(Lease(30));
        watchdog.Disable();

        Assert.Empty(_device.Calls);
        Assert.True(watchdog.IsHealthy);
        Assert.Equal("off", watchdog.Status.Mode);
    }

    [Fact]
    public void Keepalive_failure_is_reported_not_thrown()
    {
        var watchdog = Create();
        watchdog.Activate(30, 10, Lease(30));
        _device.FailKeepalive = true;

        watchdog.Keepalive(Lease(30));

        Assert.True(watchdog.Status.Armed);
        Assert.Contains("keepalive failed", watchdog.Status.Error, StringComparison.Ordinal);
        Assert.Null(watchdog.Status.LastKeepalive);
    }

    [Fact]
    public void Reconfigure_without_slack_disables_an_armed_watchdog()
    {
        var watchdog = Create();
        watchdog.Activate(30, 10, Lease(30));
        _device.Calls.Clear();

        watchdog.Reconfigure(12, 10);

        Assert.Equal(["MagicClose"], _device.Calls);
        Assert.False(watchdog.Status.Armed);
    }

    [Theory]
    [InlineData("off", WatchdogPolicy.Off)]
    [InlineData("disable", WatchdogPolicy.Off)]
    [InlineData("Disabled", WatchdogPolicy.Off)]
    [InlineData("auto", WatchdogPolicy.Automatic)]
    [InlineData("automatic", WatchdogPolicy.Automatic)]
    [InlineData("require", WatchdogPolicy.Required)]
    [InlineData("REQUIRED", WatchdogPolicy.Required)]
    public void Policy_aliases(string text, WatchdogPolicy expected)
    {
        Assert.True(WatchdogPolicies.TryParse(text, out var policy));
        Assert.Equal(expected, policy);
    }

    [Fact]
    public void Unknown_policy_is_rejected()
    {
        Assert.False(WatchdogPolicies.TryParse("sometimes", out _));
    }
}
