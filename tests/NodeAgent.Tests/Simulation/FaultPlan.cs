namespace NodeAgent.Tests.Simulation;

/// <summary>
/// Draws a small random fault schedule after the warm-up (the cluster has bootstrapped by then) and registers it
/// with the scheduler. Returns the timestamp at which the last fault has healed.
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
    }

    public long Schedule()
    {
        var window = sim.Uniform(5, 60);
        var faults = 1 + (int)sim.Uniform(0, 5);
        var healed = warmup;
        for (var i = 0; i < faults; i++)
        {
            var kind = (Kind)(int)sim.Uniform(0, 8);
            var node = nodes[(int)sim.Uniform(0, nodes.Count)];
            var at = warmup + SimScheduler.Ticks(sim.Uniform(0, window));
            var length = kind switch
            {
                Kind.AgentPause => sim.Chance(0.5) ? sim.Uniform(0.5, 15) : sim.Uniform(15, 70),
                Kind.MachineCrash or Kind.AgentKill => 40,
                Kind.WallClockJump => 0,
                _ => sim.Chance(0.5) ? sim.Uniform(1, 15) : sim.Uniform(15, 50),
            };
            var end = at + SimScheduler.Ticks(length);
            healed = Math.Max(healed, end);
            var jump = sim.Uniform(-3600, 3600);
            sim.Scheduler.At(at, () => Apply(kind, node, end, jump));
        }

        return healed;
    }

    private void Apply(Kind kind, SimNode node, long end, double jump)
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
                node.PartitionedUntil = Math.Max(node.PartitionedUntil, end);
                sim.Log($"{node.Name}: PARTITIONED from etcd until {sim.Scheduler.Seconds(end):F3}s");
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
            case Kind.WallClockJump:
                sim.Scheduler.Clock.WallOffset += TimeSpan.FromSeconds(jump);
                sim.Log($"WALL CLOCK JUMP {jump:+0;-0} s");
                break;
        }
    }
}
