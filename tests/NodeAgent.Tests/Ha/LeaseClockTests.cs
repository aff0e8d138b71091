using NodeAgent.Ha;
using NodeAgent.Tests.Component;

namespace NodeAgent.Tests.Ha;

public sealed class LeaseClockTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void Deadlines_count_from_the_renewal_with_the_granted_ttl()
    {
        var lease = new LeaseClock(_time);
        Assert.Null(lease.FenceDeadline);
        Assert.Null(lease.TimeLeft);

        var asked = _time.GetTimestamp();
        _time.Advance(TimeSpan.FromSeconds(2)); // the renewal call took 2 s
        lease.Renewed(asked, grantedTtl: 10);

        Assert.Equal(new NodeAgent.Watchdog.LeaseDeadline(asked, TimeSpan.FromSeconds(9)), lease.FenceDeadline);
        Assert.Equal(TimeSpan.FromSeconds(6), lease.TimeLeft);
    }

    [Fact]
    public void A_holder_call_ends_by_the_demotion_deadline_and_gets_the_full_budget_past_it()
    {
        var lease = new LeaseClock(_time);
        Assert.Equal(TimeSpan.FromSeconds(10), lease.CallBudget(10));

        lease.Renewed(_time.GetTimestamp(), grantedTtl: 30);
        Assert.Equal(TimeSpan.FromSeconds(10), lease.CallBudget(10));
        _time.Advance(TimeSpan.FromSeconds(25));
        Assert.Equal(TimeSpan.FromSeconds(3), lease.CallBudget(10));
        _time.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal(TimeSpan.FromSeconds(10), lease.CallBudget(10));
    }

    [Fact]
    public void A_lost_lock_has_no_deadline_to_keep()
    {
        var lease = new LeaseClock(_time);
        lease.Renewed(_time.GetTimestamp(), grantedTtl: 30);
        lease.Lost();

        Assert.False(lease.Holds);
        Assert.Null(lease.FenceDeadline);
        Assert.Null(lease.TimeLeft);
        Assert.NotNull(lease.RenewalAge);
    }

    [Fact]
    public void A_device_kicked_long_ago_brings_the_demotion_forward()
    {
        long? resetDue = null;
        var lease = new LeaseClock(_time, () => resetDue);
        lease.Renewed(_time.GetTimestamp(), grantedTtl: 30);
        Assert.Equal(TimeSpan.FromSeconds(28), lease.TimeLeft);

        // Kicked with ttl - safety_margin = 25 s at the renewal: demote 2 s before the machine would be reset.
        resetDue = _time.GetTimestamp() + TimeSpan.FromSeconds(25).Ticks;
        Assert.Equal(TimeSpan.FromSeconds(23), lease.TimeLeft);
        Assert.Equal(new NodeAgent.Watchdog.LeaseDeadline(lease.RenewedTimestamp!.Value, TimeSpan.FromSeconds(29)), lease.FenceDeadline);
    }

    [Fact]
    public void A_ttl_cut_counts_from_the_last_renewal_and_an_older_renewal_does_not_overwrite_a_newer_one()
    {
        var lease = new LeaseClock(_time);
        var first = _time.GetTimestamp();
        _time.Advance(TimeSpan.FromSeconds(1));
        var second = _time.GetTimestamp();
        lease.Renewed(second, grantedTtl: 30);
        lease.Renewed(first, grantedTtl: 30);
        Assert.Equal(second, lease.RenewedTimestamp);

        Assert.True(lease.CapTtl(10));
        Assert.False(lease.CapTtl(20));
        Assert.Equal(new NodeAgent.Watchdog.LeaseDeadline(second, TimeSpan.FromSeconds(9)), lease.FenceDeadline);
    }
}
