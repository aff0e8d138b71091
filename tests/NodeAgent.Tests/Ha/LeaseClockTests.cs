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
        Assert.Equal(TimeSpan.FromSeconds(6.5), lease.TimeLeft);
    }

    [Fact]
    public void A_holder_call_ends_by_the_demotion_deadline_and_gets_the_full_budget_past_it()
    {
        var lease = new LeaseClock(_time);
        Assert.Equal(TimeSpan.FromSeconds(10), lease.CallBudget(10));

        lease.Renewed(_time.GetTimestamp(), grantedTtl: 30);
        Assert.Equal(TimeSpan.FromSeconds(10), lease.CallBudget(10));
        _time.Advance(TimeSpan.FromSeconds(25));
        Assert.Equal(TimeSpan.FromSeconds(3.5), lease.CallBudget(10));
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
}
