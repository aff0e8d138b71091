using NodeAgent.Ha;
using NodeAgent.Tests.Component;
using NodeAgent.Watchdog;

namespace NodeAgent.Tests.Ha;

/// <summary>The one inequality failsafe mode rests on: the leader's fence fires before any acceptance can run out.</summary>
public sealed class LeaseClockFailsafeTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void A_confirmed_round_moves_the_deadlines_to_count_from_when_it_was_asked()
    {
        var lease = new LeaseClock(_time);
        lease.Renewed(_time.GetTimestamp(), grantedTtl: 10);
        _time.Advance(TimeSpan.FromSeconds(6));
        var asked = _time.GetTimestamp();
        _time.Advance(TimeSpan.FromSeconds(2)); // the round took 2 s

        Assert.True(lease.FailsafeConfirmed(asked, ttl: 10));

        Assert.Equal(new LeaseDeadline(asked, TimeSpan.FromSeconds(9)), lease.FenceDeadline);
        Assert.Equal(TimeSpan.FromSeconds(6), lease.TimeLeft);
        Assert.True(lease.FailsafeActive);
        Assert.Equal(asked, lease.AnchorTimestamp);
    }

    [Fact]
    public void The_fence_fires_before_the_earliest_acceptance_expires()
    {
        foreach (var (leaderTtl, memberTtl) in new[] { (10, 10), (30, 10), (10, 30), (3, 3) })
        {
            var lease = new LeaseClock(_time);
            lease.Renewed(_time.GetTimestamp(), grantedTtl: leaderTtl);
            var asked = _time.GetTimestamp();
            Assert.True(lease.FailsafeConfirmed(asked, leaderTtl));

            // A member accepts no earlier than `asked` and stays out of the race for this long from then.
            var acceptanceEnds = TimeSpan.FromSeconds(0) + LeaseClock.AcceptanceValidFor(memberTtl, leaderTtl);
            var fenceFires = lease.FenceDeadline!.Value.ValidFor;
            Assert.True(fenceFires + LeaseClock.FenceMargin <= acceptanceEnds, $"leader ttl {leaderTtl}, member ttl {memberTtl}");
            Assert.True(lease.TimeLeft!.Value + LeaseClock.DemoteMargin <= fenceFires);
        }
    }

    [Fact]
    public void A_round_asked_after_the_demotion_deadline_does_not_revive_the_primary()
    {
        var lease = new LeaseClock(_time);
        lease.Renewed(_time.GetTimestamp(), grantedTtl: 10);
        _time.Advance(TimeSpan.FromSeconds(8.5));

        Assert.False(lease.FailsafeConfirmed(_time.GetTimestamp(), ttl: 10));
        Assert.False(lease.FailsafeActive);
        Assert.True(lease.TimeLeft <= TimeSpan.Zero);
    }

    [Fact]
    public void A_renewal_or_a_lost_lock_ends_failsafe_mode()
    {
        var lease = new LeaseClock(_time);
        lease.Renewed(_time.GetTimestamp(), grantedTtl: 10);
        Assert.True(lease.FailsafeConfirmed(_time.GetTimestamp(), 10));
        _time.Advance(TimeSpan.FromSeconds(1));
        lease.Renewed(_time.GetTimestamp(), grantedTtl: 10);
        Assert.False(lease.FailsafeActive);

        Assert.True(lease.FailsafeConfirmed(_time.GetTimestamp(), 10));
        lease.Lost();
        Assert.False(lease.FailsafeActive);
        Assert.Null(lease.FenceDeadline);
        Assert.False(lease.FailsafeConfirmed(_time.GetTimestamp(), 10));
    }

    [Fact]
    public void Without_a_lock_a_round_confirms_nothing()
    {
        var lease = new LeaseClock(_time);

        Assert.False(lease.FailsafeConfirmed(_time.GetTimestamp(), 10));
        Assert.Null(lease.FenceDeadline);
    }
}
