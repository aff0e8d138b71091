using NodeAgent.Tests.Component;
using NodeAgent.Fencing;
using NodeAgent.Watchdog;

namespace NodeAgent.Tests.Fencing;

/// <summary>
/// The fence process's clock rules: it fires at the renewal's time plus what the lease allows, on the monotonic clock it
/// shares with the agent, however late it reads a command or looks at the time.
/// </summary>
public sealed class FenceProcessTests : IDisposable
{
    private readonly FakeTimeProvider _time = new();
    private readonly StringWriter _log = new();
    private readonly string _dataDir = Directory.CreateTempSubdirectory("fence-test-").FullName;

    public void Dispose()
    {
        _log.Dispose();
        Directory.Delete(_dataDir, recursive: true);
    }

    private FenceProcess Create() => new(_dataDir, TextReader.Null, _log, _time);

    private string Line(string verb, TimeSpan renewedAgo, TimeSpan validFor) =>
        verb == FenceCommand.Arm
            ? FenceCommand.ArmWith(new LeaseDeadline(_time.GetTimestamp() - (long)(renewedAgo.TotalSeconds * _time.TimestampFrequency), validFor), _time)
            : FenceCommand.KickWith(new LeaseDeadline(_time.GetTimestamp() - (long)(renewedAgo.TotalSeconds * _time.TimestampFrequency), validFor), _time);

    private bool Fired => _log.ToString().Contains("not renewed in time", StringComparison.Ordinal);

    [Fact]
    public void Armed_fence_fires_when_the_lease_deadline_passes_and_not_before()
    {
        var fence = Create();
        fence.Apply(Line(FenceCommand.Arm, TimeSpan.Zero, TimeSpan.FromSeconds(9)));

        _time.Advance(TimeSpan.FromSeconds(8.9));
        fence.Check();
        Assert.False(Fired);

        _time.Advance(TimeSpan.FromSeconds(0.1));
        fence.Check();
        Assert.True(Fired, _log.ToString());
    }

    [Fact]
    public void A_kick_read_late_counts_from_its_renewal_not_from_when_it_was_read()
    {
        var fence = Create();
        fence.Apply(Line(FenceCommand.Arm, TimeSpan.Zero, TimeSpan.FromSeconds(9)));
        _time.Advance(TimeSpan.FromSeconds(8));
        // The renewal happened 6 s ago; the kick sat in the pipe while the fence was busy.
        fence.Apply(Line(FenceCommand.Kick, TimeSpan.FromSeconds(6), TimeSpan.FromSeconds(9)));

        _time.Advance(TimeSpan.FromSeconds(2.9));
        fence.Check();
        Assert.False(Fired);
        _time.Advance(TimeSpan.FromSeconds(0.1));
        fence.Check();
        Assert.True(Fired, _log.ToString());
    }

    [Fact]
    public void A_fence_thawed_after_its_deadline_fires_at_its_first_look()
    {
        var fence = Create();
        fence.Apply(Line(FenceCommand.Arm, TimeSpan.Zero, TimeSpan.FromSeconds(9)));

        // Frozen: no look at the clock for 20 s.
        _time.Advance(TimeSpan.FromSeconds(20));
        fence.Check();

        Assert.True(Fired, _log.ToString());
        Assert.Contains("deadline passed 11.0 s ago", _log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Past_its_deadline_the_fence_stays_armed_and_a_newer_renewal_still_counts()
    {
        var fence = Create();
        fence.Apply(Line(FenceCommand.Arm, TimeSpan.Zero, TimeSpan.FromSeconds(9)));
        _time.Advance(TimeSpan.FromSeconds(9));
        fence.Check();
        fence.Check(); // looked at again while past due: said once
        Assert.Equal(1, Fires());

        // A renewal that got through after the deadline: honoured, not ignored as if the fence were disarmed.
        fence.Apply(Line(FenceCommand.Kick, TimeSpan.Zero, TimeSpan.FromSeconds(9)));
        _time.Advance(TimeSpan.FromSeconds(8));
        fence.Check();
        Assert.Equal(1, Fires());
        _time.Advance(TimeSpan.FromSeconds(1));
        fence.Check();
        Assert.Equal(2, Fires());
    }

    private int Fires() => _log.ToString().Split("not renewed in time").Length - 1;

    [Fact]
    public void A_shorter_lease_after_a_ttl_change_brings_the_deadline_forward()
    {
        var fence = Create();
        fence.Apply(Line(FenceCommand.Arm, TimeSpan.Zero, TimeSpan.FromSeconds(19)));
        _time.Advance(TimeSpan.FromSeconds(1));
        fence.Apply(Line(FenceCommand.Kick, TimeSpan.Zero, TimeSpan.FromSeconds(9)));

        _time.Advance(TimeSpan.FromSeconds(9));
        fence.Check();
        Assert.True(Fired, _log.ToString());
    }

    [Fact]
    public void Kicks_do_not_arm_and_disarm_stops_it()
    {
        var fence = Create();
        fence.Apply(Line(FenceCommand.Kick, TimeSpan.Zero, TimeSpan.FromSeconds(1)));
        _time.Advance(TimeSpan.FromSeconds(5));
        fence.Check();
        Assert.False(Fired);

        fence.Apply(Line(FenceCommand.Arm, TimeSpan.Zero, TimeSpan.FromSeconds(1)));
        fence.Apply(FenceCommand.Disarm);
        _time.Advance(TimeSpan.FromSeconds(5));
        fence.Check();
        Assert.False(Fired);
    }

    [Fact]
    public void Malformed_commands_are_ignored_and_reported()
    {
        var fence = Create();
        fence.Apply("arm 5000");
        fence.Apply("kick soon");
        _time.Advance(TimeSpan.FromSeconds(10));
        fence.Check();

        Assert.False(Fired);
        Assert.Contains("ignoring unknown command 'arm 5000'", _log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pipe_closed_while_armed_fires_at_once()
    {
        var system = TimeProvider.System;
        using var input = new StringReader(FenceCommand.ArmWith(new LeaseDeadline(system.GetTimestamp(), TimeSpan.FromSeconds(60)), system) + "\n");
        var fence = new FenceProcess(_dataDir, input, _log, system);

        Assert.Equal(0, await fence.RunAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Contains("closed the fence pipe while leading", _log.ToString(), StringComparison.Ordinal);
    }
}
