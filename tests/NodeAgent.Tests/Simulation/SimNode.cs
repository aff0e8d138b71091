using NodeAgent.Configuration;
using NodeAgent.Ha;

namespace NodeAgent.Tests.Simulation;

/// <summary>
/// One simulated machine: its postgres and watchdog device (they survive agent restarts), the current agent
/// incarnation (<see cref="Generation"/> changes when the agent dies, so answers meant for a dead agent are dropped),
/// and the faults it is under right now.
/// </summary>
internal sealed class SimNode
{
    public required string Name { get; init; }
    public required AgentConfig Config { get; init; }
    public SimPostgres Postgres { get; set; } = null!;
    public SimWatchdogDevice? Device { get; set; }

    /// <summary>This machine's clocks (drift, wall steps): the agent and its fence read it.</summary>
    public required NodeClock Clock { get; init; }

    /// <summary>The current agent's lease timing (what its DCS calls' budgets are cut to).</summary>
    public LeaseClock? Lease { get; set; }

    public int Generation { get; set; }
    public bool MachineUp { get; set; } = true;
    public bool AgentUp { get; set; }
    public int RestartToken { get; set; }
    public HaLoop? Loop { get; set; }
    public SimFence? Fence { get; set; }

    /// <summary>The current agent's answer to POST /failsafe (its acceptance is lost with the agent, as in memory).</summary>
    public NodeAgent.Commands.FailsafeReceiver? FailsafeReceiver { get; set; }

    /// <summary>SIGSTOP until this timestamp: no agent code runs, answers wait.</summary>
    public long PausedUntil { get; set; }
    public long PartitionedUntil { get; set; }

    /// <summary>Cut from the other agents' REST APIs too (a whole-node partition) until then; a partition from etcd alone
    /// leaves POST /failsafe and POST /leader_release working.</summary>
    public long PeersCutUntil { get; set; }

    public NodeAgent.Commands.LeaderReleaseReceiver? LeaderRelease { get; set; }
    public long SlowUntil { get; set; }
    public long FlakyUntil { get; set; }

    /// <summary>Postgres answers no SQL until then (stuck on I/O, a lock): status queries time out.</summary>
    public long HungUntil { get; set; }
}

/// <summary>How one DCS call goes: when etcd applies it (null: never), when the agent hears back, and whether that is an error.</summary>
internal readonly record struct CallPlan(double? ServedAfter, double AnsweredAfter, string? Fails);

/// <summary>The network between agents and etcd under the current faults.</summary>
internal sealed class SimNetwork(HaSimulation sim)
{
    public CallPlan Plan(SimNode node, double timeout)
    {
        var now = sim.Scheduler.Now;
        if (timeout <= 0)
        {
            // The deadline passed before the call could be sent.
            return new(null, 0, "context deadline exceeded");
        }

        if (now < sim.EtcdDownUntil || now < node.PartitionedUntil)
        {
            // Refused at once or hanging until the client's deadline.
            return new(null, sim.Chance(0.5) ? sim.Uniform(0.001, 0.01) : timeout, "etcd unreachable");
        }

        var serve = sim.Uniform(0.001, 0.08);
        var reply = sim.Uniform(0.001, 0.08);
        if (now < node.SlowUntil && sim.Chance(0.5))
        {
            serve = sim.Uniform(0.2, 1.3 * timeout);
            reply = sim.Uniform(0.01, 0.5 * timeout);
        }

        if (now < node.FlakyUntil && sim.Chance(0.3))
        {
            // The request may or may not have landed; the client only sees the error.
            return sim.Chance(0.5) ? new(serve, serve + reply, "etcd request failed") : new(null, serve, "etcd request failed");
        }

        return serve + reply > timeout
            ? new(serve, timeout, "context deadline exceeded")
            : new(serve, serve + reply, null);
    }
}
