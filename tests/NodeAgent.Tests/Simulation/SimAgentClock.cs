namespace NodeAgent.Tests.Simulation;

/// <summary>
/// One agent incarnation's view of its machine's clock, with timers: a timer fires as a simulation event at the shared
/// instant the machine's clock reaches its due time, and only while that incarnation lives (a frozen agent sees it
/// when it thaws). This is what lets the real <see cref="NodeAgent.Ha.HaLoop.RunAsync"/> nap in the simulation.
/// </summary>
internal sealed class SimAgentClock(HaSimulation sim, SimNode node, int generation) : TimeProvider
{
    public override long TimestampFrequency => node.Clock.TimestampFrequency;

    public override long GetTimestamp() => node.Clock.GetTimestamp();

    public override DateTimeOffset GetUtcNow() => node.Clock.GetUtcNow();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new SimTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>Runs <paramref name="fire"/> once this machine's clock has counted <paramref name="due"/>, if the incarnation still lives.</summary>
    private void After(TimeSpan due, Action fire)
    {
        var at = node.Clock.ToShared(node.Clock.GetTimestamp() + Math.Max(0, due.Ticks));
        sim.Scheduler.At(at, () => sim.Deliver(node, generation, fire));
    }

    private sealed class SimTimer(SimAgentClock clock, TimerCallback callback, object? state) : ITimer
    {
        private int _version;

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            if (period != Timeout.InfiniteTimeSpan && period != TimeSpan.Zero)
            {
                throw new NotSupportedException("the simulation's timers are one-shot");
            }

            var version = ++_version;
            if (dueTime == Timeout.InfiniteTimeSpan)
            {
                return true;
            }

            clock.After(dueTime, () =>
            {
                if (_version == version)
                {
                    callback(state);
                }
            });
            return true;
        }

        public void Dispose() => _version = -1;

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
