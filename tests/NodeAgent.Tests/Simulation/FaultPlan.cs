namespace NodeAgent.Tests.Simulation;

/// <summary>
/// Draws a small random fault schedule after the warm-up (the cluster has bootstrapped by then) and registers it
/// with the scheduler. Returns the timestamp at which the last fault has healed. Fault lengths are scaled to the
/// profile's ttl, so a fast cluster meets faults as long, relative to its lease, as a slow one.
/// </summary>
internal sealed class FaultPlan(HaSimulation sim, IReadOnlyList<SimNode> nodes, long warmup)
{
    private enum Kind
    {
        MachineCrash,
        AgentKill,
        AgentPause,
        DcsPartition,
        EtcdDown,
        SlowDcs,
        FlakyDcs,
        WallClockJump,
        TimingEdit,
        PostgresHang,
    }

    /// <summary>The largest ttl a planned config edit sets (0: none).</summary>
    public int MaxTtl { get; private set; }

    public long Schedule()
    {
        var scale = sim.Profile.Scale;
        var window = sim.Uniform(5, 60) * scale;
        var faults = 1 + (int)sim.Uniform(0, 5);
        var healed = warmup;
        for (var i = 0; i < faults; i++)
        {
            var kind = (Kind)(int)sim.Uniform(0, 10);
            var node = nodes[(int)sim.Uniform(0, nodes.Count)];
            var at = warmup + SimScheduler.Ticks(sim.Uniform(0, window));
            var length = kind switch
            {
                Kind.AgentPause => (sim.Chance(0.5) ? sim.Uniform(0.5, 15) : sim.Uniform(15, 70)) * scale,
                Kind.MachineCrash or Kind.AgentKill => 40,
                Kind.WallClockJump or Kind.TimingEdit => 0,
                _ => (sim.Chance(0.5) ? sim.Uniform(1, 15) : sim.Uniform(15, 50)) * scale,
            };
            var end = at + SimScheduler.Ticks(length);
            healed = Math.Max(healed, end);
            var jump = sim.Uniform(-3600, 3600);
            var everyone = sim.Chance(0.5);
            var timers = kind == Kind.TimingEdit ? DrawTimers() : default;
            sim.Scheduler.At(at, () => Apply(kind, node, end, jump, everyone, timers));
        }

        return healed;
    }

    /// <summary>New timers within the rules the product enforces: ttl >= 10, retry_timeout >= 3, loop_wait + 2*retry_timeout <= ttl.</summary>
    private (int Ttl, int LoopWait, int RetryTimeout) DrawTimers()
    {
        var ttl = (int)sim.Uniform(10, 41);
        var loopWait = (int)sim.Uniform(1, ttl - 6 + 1);
        var retryTimeout = (int)sim.Uniform(3, ((ttl - loopWait) / 2) + 1);
        MaxTtl = Math.Max(MaxTtl, ttl);
        return (ttl, loopWait, retryTimeout);
    }

    private void Apply(Kind kind, SimNode node, long end, double jump, bool everyone, (int Ttl, int LoopWait, int RetryTimeout) timers)
    {
        var now = sim.Scheduler.Now;
        switch (kind)
        {
            case Kind.MachineCrash:
                sim.CrashMachine(node, "fault: machine crash");
                break;
            case Kind.AgentKill:
                sim.KillAgent(node);
                break;
            case Kind.AgentPause:
                sim.Pause(node, (end - now) / (double)TimeSpan.TicksPerSecond);
                break;
            case Kind.DcsPartition:
                // Half the partitions cut the node from etcd only (its peers still reach its REST API and it theirs): the
                // case failsafe mode and the lock handover are for. The draw reuses 'everyone' so that seeds keep their schedules.
                node.PartitionedUntil = Math.Max(node.PartitionedUntil, end);
                if (!everyone)
                {
                    node.PeersCutUntil = Math.Max(node.PeersCutUntil, end);
                }

                sim.Log($"{node.Name}: PARTITIONED from etcd{(everyone ? " only" : " and its peers")} until {sim.Scheduler.Seconds(end):F3}s");
                break;
            case Kind.EtcdDown:
                sim.EtcdDown((end - now) / (double)TimeSpan.TicksPerSecond);
                break;
            case Kind.SlowDcs:
                node.SlowUntil = Math.Max(node.SlowUntil, end);
                sim.Log($"{node.Name}: SLOW etcd calls until {sim.Scheduler.Seconds(end):F3}s");
                break;
            case Kind.FlakyDcs:
                node.FlakyUntil = Math.Max(node.FlakyUntil, end);
                sim.Log($"{node.Name}: FLAKY etcd calls until {sim.Scheduler.Seconds(end):F3}s");
                break;
            case Kind.WallClockJump when everyone:
                sim.Scheduler.Clock.WallOffset += TimeSpan.FromSeconds(jump);
                sim.Log($"WALL CLOCK JUMP {jump:+0;-0} s on every machine");
                break;
            case Kind.WallClockJump:
                node.Clock.WallOffset += TimeSpan.FromSeconds(jump);
                sim.Log($"{node.Name}: WALL CLOCK STEP {jump:+0;-0} s");
                break;
            case Kind.TimingEdit:
                sim.EditTimings(timers.Ttl, timers.LoopWait, timers.RetryTimeout);
                break;
            case Kind.PostgresHang:
                node.HungUntil = Math.Max(node.HungUntil, end);
                sim.Log($"{node.Name}: POSTGRES HUNG (no SQL answers) until {sim.Scheduler.Seconds(end):F3}s");
                break;
        }
    }
}
