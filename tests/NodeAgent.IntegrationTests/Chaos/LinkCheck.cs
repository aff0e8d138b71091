using System.Globalization;
using NodeAgent.IntegrationTests.Fixtures;

namespace NodeAgent.IntegrationTests.Chaos;

/// <summary>A TCP endpoint in the lab, named for the record.</summary>
internal sealed record LabEndpoint(string Name, string Address, int Port)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Name}:{Port}");
}

/// <summary>
/// Proof that a network fault drops packets: TCP connects from inside the faulted namespace, which must open
/// before the fault, must all fail after it (polled with a deadline: rules and link changes are not instant).
/// </summary>
internal static class LinkCheck
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    /// <summary>Reaching a peer before a fault may wait out a starved etcd member's full accept queue (load average 56-60).</summary>
    private static readonly TimeSpan ReachDeadline = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Polls until every target answers from <paramref name="from"/>: each probe is a 1 s connect, and on a loaded machine
    /// a single round can miss a reachable target (run of leader_link_down_quorum at load average 56).
    /// </summary>
    public static async Task RequireReachableAsync(NetnsHost from, IReadOnlyList<LabEndpoint> targets)
    {
        var closed = targets;
        try
        {
            await Poll.UntilAsync(
                async () =>
                {
                    var open = await Task.WhenAll(closed.Select(t => from.CanConnectAsync(t.Address, t.Port)));
                    closed = closed.Where((_, i) => !open[i]).ToList();
                    return closed.Count == 0;
                },
                ReachDeadline,
                $"{from.Name} to reach {string.Join(", ", targets)}");
        }
        catch (TimeoutException)
        {
            throw new InvalidOperationException($"before the fault, {from.Name} cannot reach {string.Join(", ", closed)}: the probe would prove nothing");
        }
    }

    /// <summary>Polls until no target can be reached from <paramref name="from"/>; returns the proof line.</summary>
    public static async Task<string> RequireCutAsync(NetnsHost from, IReadOnlyList<LabEndpoint> targets)
    {
        var reachable = targets;
        try
        {
            await Poll.UntilAsync(
                async () =>
                {
                    var open = await Task.WhenAll(targets.Select(t => from.CanConnectAsync(t.Address, t.Port)));
                    reachable = targets.Where((_, i) => open[i]).ToList();
                    return reachable.Count == 0;
                },
                Deadline,
                $"{from.Name} to lose {string.Join(", ", targets)}");
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message}; still reachable: {string.Join(", ", reachable)}", ex);
        }
        return $"{from.Name} -> {string.Join(", ", targets)} connect ok before, fails after";
    }
}
