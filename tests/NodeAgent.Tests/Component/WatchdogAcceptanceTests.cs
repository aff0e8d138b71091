using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using NodeAgent.Configuration;
using NodeAgent.Tests.Watchdog;
using NodeAgent.Watchdog;
using WatchdogFacade = NodeAgent.Watchdog.Watchdog;

namespace NodeAgent.Tests.Component;

/// <summary>
/// Issue "Watchdog", acceptance: the real <see cref="WatchdogFacade"/> over a recording device, driving real HA loops
/// on the in-memory DCS and the fake clock.
/// </summary>
public sealed class WatchdogAcceptanceTests
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task Frozen_leader_is_reset_by_the_watchdog_before_its_lease_expires_so_before_anyone_is_promoted()
    {
        var devices = new Dictionary<string, ClockedWatchdogDevice>();
        var cluster = new ComponentCluster((name, time) =>
        {
            var device = devices[name] = new ClockedWatchdogDevice(time);
            return new WatchdogFacade(new WatchdogOptions(WatchdogPolicy.Automatic, device.Path, SafetyMargin: 5), device, time, NullLogger<WatchdogFacade>.Instance);
        }, null, "u1", "u2", "u3");
        await cluster.BootstrapAsync();
        await cluster.RunForAsync(1);
        var u1 = cluster["u1"];
        var device = devices["u1"];
        Assert.True(device.IsOpen);
        Assert.Equal(25, device.Timeout); // ttl 30 - safety_margin 5
        Assert.Contains(device.Calls, c => c.Call == "Keepalive");
        Assert.All(new[] { "u2", "u3" }, n => Assert.False(devices[n].IsOpen));

        u1.Alive = false; // SIGSTOP: no more keepalives, postgres keeps running and writable
        var leaseExpiry = cluster.Store.LeaseExpiry(cluster.Store.Leader!.Lease)!.Value;
        var resetAt = device.ResetAt!.Value;
        Assert.Equal(TimeSpan.FromSeconds(5), TimeSpan.FromTicks(leaseExpiry - resetAt));

        // The replicas cycle every second (more eagerly than loop_wait) so the earliest possible promotion is seen.
        long? promotedAt = null;
        var reset = false;
        while (promotedAt is null && cluster.Time.GetTimestamp() < resetAt + TimeSpan.FromMinutes(1).Ticks)
        {
            cluster.Time.Advance(Second);
            if (!reset && cluster.Time.GetTimestamp() >= resetAt)
            {
                Assert.Equal("u1", cluster.Store.CurrentLeader()?.Name);
                Assert.Equal("u1", Assert.Single(cluster.Primaries).Name);
                u1.Postgres.Crash(); // the machine resets
                reset = true;
            }

            await cluster.CycleAsync();
            if (cluster.Primaries.Any(p => p.Name != "u1"))
            {
                promotedAt = cluster.Time.GetTimestamp();
            }
        }

        Assert.True(reset);
        Assert.NotNull(promotedAt);
        Assert.True(promotedAt >= leaseExpiry, "nobody is promoted before the frozen leader's lease expired");
        Assert.True(promotedAt > resetAt);
        Assert.Single(cluster.Primaries);
    }

    [Fact]
    public async Task Automatic_mode_without_a_device_still_leads_and_warns_exactly_once()
    {
        var loggers = new Dictionary<string, ListLogger<WatchdogFacade>>();
        var cluster = new ComponentCluster((name, time) =>
        {
            var logger = loggers[name] = new ListLogger<WatchdogFacade>();
            return new WatchdogFacade(new WatchdogOptions(WatchdogPolicy.Automatic, "/dev/watchdog-missing"), new ClockedWatchdogDevice(time, exists: false), time, logger);
        }, null, "u1", "u2", "u3");
        await cluster.BootstrapAsync();
        await cluster.RunForAsync(3);

        // A second promotion on the same node (a DCS outage until the lease runs out, then back) activates the watchdog again.
        cluster.Store.Available = false;
        await cluster.RunForAsync(1, loopWaitSeconds: 29);
        Assert.Empty(cluster.Primaries);
        cluster.Store.Available = true;
        await cluster.RunForAsync(1, loopWaitSeconds: 0);
        await cluster.RunForAsync(2);

        var u1 = cluster["u1"];
        Assert.Equal("u1", Assert.Single(cluster.Primaries).Name);
        Assert.Equal("u1", cluster.Store.Leader?.Name);
        Assert.Contains("promoted self to leader because I had the session lock", u1.Reasons);
        var warning = Assert.Single(loggers["u1"].Entries, e => e.Level >= LogLevel.Warning);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains("/dev/watchdog-missing", warning.Message, StringComparison.Ordinal);
        Assert.Contains("continuing without a watchdog", warning.Message, StringComparison.Ordinal);
        Assert.False(u1.WatchdogPort.Status.Failed);
    }

    [Fact]
    public async Task Required_mode_without_a_device_never_takes_the_lock_and_says_why()
    {
        var cluster = new ComponentCluster(
            (name, time) => new WatchdogFacade(new WatchdogOptions(WatchdogPolicy.Required, "/dev/watchdog-missing"), new ClockedWatchdogDevice(time, exists: false), time, NullLogger<WatchdogFacade>.Instance),
            RequiredWatchdog, "u1", "u2", "u3");

        await cluster.CycleAsync();
        await cluster.RunForAsync(8);

        Assert.Null(cluster.Store.CurrentLeader());
        Assert.Empty(cluster.Primaries);
        Assert.DoesNotContain(cluster.Store.LeaderWrites, w => w.Op == "create" && cluster.Store.Leader is not null);
        Assert.All(cluster.Nodes, n => Assert.False(n.Board.Current.HoldsLock));
        Assert.Contains(cluster.Nodes, n => n.Reasons[^1].Contains("watchdog is required but not usable", StringComparison.Ordinal));
        Assert.All(cluster.Nodes, n => Assert.True(n.WatchdogPort.Status.Failed));
    }

    [Fact]
    public async Task Replicas_that_require_a_missing_watchdog_do_not_take_over_from_a_dead_leader()
    {
        var cluster = new ComponentCluster(
            (name, time) => name == "u1"
                ? new FakeWatchdog()
                : new WatchdogFacade(new WatchdogOptions(WatchdogPolicy.Required, "/dev/watchdog-missing"), new ClockedWatchdogDevice(time, exists: false), time, NullLogger<WatchdogFacade>.Instance),
            config => config.Name == "u1" ? config : RequiredWatchdog(config), "u1", "u2", "u3");
        await cluster.BootstrapAsync();

        cluster["u1"].Alive = false;
        cluster["u1"].Postgres.Crash();
        await cluster.RunForAsync(6);

        Assert.Null(cluster.Store.CurrentLeader());
        Assert.Empty(cluster.Primaries);
        foreach (var name in new[] { "u2", "u3" })
        {
            Assert.Equal("following a different leader because i am not the healthiest node (watchdog is required but not usable)", cluster[name].Reasons[^1]);
            Assert.DoesNotContain("promote", cluster[name].Postgres.Actions);
        }
    }

    private static AgentConfig RequiredWatchdog(AgentConfig config) =>
        config with { Watchdog = new WatchdogConfig { Mode = WatchdogMode.Required, Device = "/dev/watchdog-missing" } };
}
