using System.Globalization;
using NodeAgent.IntegrationTests.Fixtures;

namespace NodeAgent.IntegrationTests.Chaos;

/// <summary>
/// Issue 17, failsafe_mode: etcd's quorum lost, alone or with a partition. The leader keeps its primary only while every
/// member accepts its POST /failsafe; these scenarios prove the fault took effect (etcd without quorum, links cut, the
/// leader's log saying what failsafe mode did) and then what the chaos verdicts promise.
/// </summary>
public sealed partial class ChaosTests
{
    private const string FailsafeKept = "continue to run as a leader because failsafe mode is enabled and all members are accessible";
    private const string FailsafeRefused = "failsafe mode: not every member accepted";

    /// <summary>The outage of the issue: 30 s without an etcd quorum. With failsafe_mode not one write through HAProxy fails.</summary>
    [Fact]
    public Task Etcd_quorum_lost_for_30_s_in_failsafe_mode() => WithFailsafeModeAsync(() =>
        Scenario.RunAsync("etcd_quorum_lost_failsafe", ScenarioPromise.LeaderUntouched with { NoFailedWrites = true }, async (leader, fault) =>
        {
            var logFrom = LogLength(leader);
            await LoseEtcdQuorumAsync(fault, alsoHeal: null);
            await RequireLoggedAsync(leader, logFrom, FailsafeKept, fault);
            await fault.HoldAsync(TimeSpan.FromSeconds(30));
            // Past the lease: only failsafe mode can still keep the primary.
            await RequireLoggedAsync(leader, logFrom, FailsafeKept, fault, after: TimeSpan.FromSeconds(ChaosAgentConfig.Ttl + 5));
        }));

    /// <summary>No etcd and one replica cut from the leader: that member cannot accept, so the leader stops writing.</summary>
    [Fact]
    public Task Etcd_quorum_lost_and_leader_cut_from_a_replica_in_failsafe_mode() => WithFailsafeModeAsync(() =>
        Scenario.RunAsync("etcd_quorum_lost_leader_cut_from_replica", ScenarioPromise.LeaderStopsWriting with { WritesStopWithin = TimeSpan.FromSeconds(40) }, async (leader, fault) =>
        {
            var logFrom = LogLength(leader);
            var replica = Others(leader).First();
            var other = RestOf(Others(leader).Skip(1)).ToList();
            var cut = RestOf([replica]).ToList();
            await LinkCheck.RequireReachableAsync(leader.Host, [.. cut, .. other]);
            await LoseEtcdQuorumAsync(fault, alsoHeal: leader.Host.UnblockAsync);
            await RequireLoggedAsync(leader, logFrom, FailsafeKept, fault);
            await leader.Host.BlockAsync([replica.Address]);
            fault.Proved(await LinkCheck.RequireCutAsync(leader.Host, cut));
            await LinkCheck.RequireReachableAsync(leader.Host, other);
            fault.Proved($"{string.Join(", ", other)} still reachable");
            await RequireLoggedAsync(leader, logFrom, FailsafeRefused, fault);
            await fault.HoldAsync(TimeSpan.FromSeconds(30));
        }));

    /// <summary>
    /// No etcd, then the leader isolated while etcd comes back for the replicas: they may take over only once their
    /// acceptance of the leader's POST /failsafe ran out, after the leader's fence has stopped its writes. Asynchronous
    /// replication may lose what the leader acknowledged in the last second before its link went down (a CI run lost 2
    /// through HAProxy), so that second, counted back from the cut and not from the etcd outage before it, is excused.
    /// </summary>
    [Fact]
    public Task Etcd_quorum_lost_then_leader_isolated_while_etcd_returns_in_failsafe_mode() => WithFailsafeModeAsync(() =>
        Scenario.RunAsync(
            "etcd_quorum_lost_then_leader_isolated",
            ScenarioPromise.FailoverAway with { WritesStopWithin = TimeSpan.FromSeconds(45), CrashWindow = ScenarioPromise.AsyncCrashWindow },
            IsolateLeaderWhileEtcdReturnsAsync));

    /// <summary>
    /// etcd's quorum lost until the leader logs that failsafe mode keeps it, then the leader's link down and etcd back for
    /// the replicas; one of them must take the lock from the isolated leader within 60 s.
    /// </summary>
    private async Task IsolateLeaderWhileEtcdReturnsAsync(ChaosNode leader, FaultRecord fault)
    {
        var logFrom = LogLength(leader);
        var peers = Etcd.Concat(RestOf(Others(leader))).ToList();
        var restoreEtcd = await LoseEtcdQuorumAsync(fault, alsoHeal: leader.Host.LinkUpAsync);
        await RequireLoggedAsync(leader, logFrom, FailsafeKept, fault);
        fault.LeaderCutNow();
        await leader.Host.LinkDownAsync();
        fault.Proved(await LinkCheck.RequireCutAsync(leader.Host, peers));
        await restoreEtcd();
        fault.Proved($"etcd quorum back at {fault.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s");
        string? successor = null;
        await Poll.UntilAsync(
            async () => (successor = await lab.Cluster.LeaderNameAsync()) is { } name && name != leader.Name,
            TimeSpan.FromSeconds(60),
            $"a replica to take the lock from the isolated {leader.Name}");
        fault.Proved($"{successor} took the lock at {fault.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s");
        await fault.HoldAsync(fault.Elapsed + TimeSpan.FromSeconds(5));
    }

    /// <summary>
    /// No etcd, then the leader's agent frozen (its postgres and fence keep running) while etcd comes back: the fence
    /// stops postgres at the last round's deadline, before the replicas' acceptances run out and one takes over.
    /// </summary>
    [Fact]
    public Task Etcd_quorum_lost_then_leader_agent_frozen_in_failsafe_mode() => WithFailsafeModeAsync(() =>
        Scenario.RunAsync("etcd_quorum_lost_then_leader_frozen", ScenarioPromise.FailoverAway with { WritesStopWithin = TimeSpan.FromSeconds(45) }, async (leader, fault) =>
        {
            var logFrom = LogLength(leader);
            var restoreEtcd = await LoseEtcdQuorumAsync(fault, alsoHeal: leader.ThawAgentAsync);
            await RequireLoggedAsync(leader, logFrom, FailsafeKept, fault);
            var pid = await leader.FreezeAgentAsync();
            fault.Proved($"agent {pid} state T");
            await restoreEtcd();
            fault.Proved($"etcd quorum back at {fault.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s");
            string? successor = null;
            await Poll.UntilAsync(
                async () => (successor = await lab.Cluster.LeaderNameAsync()) is { } name && name != leader.Name,
                TimeSpan.FromSeconds(60),
                $"a replica to take the lock from the frozen {leader.Name}");
            fault.Proved($"{successor} took the lock at {fault.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s");
            await fault.HoldAsync(fault.Elapsed + TimeSpan.FromSeconds(5));
        }));

    /// <summary>failsafe_mode on for one scenario: the leader has written a topology naming all three nodes first.</summary>
    private async Task WithFailsafeModeAsync(Func<Task> scenario)
    {
        var cluster = lab.Cluster;
        await SetConfigAsync("failsafe_mode", true);
        try
        {
            var key = $"/service/{cluster.Scope}/failsafe";
            await Poll.UntilAsync(
                async () => System.Text.Json.Nodes.JsonNode.Parse(await cluster.Etcd.GetAsync(key) ?? "{}") is System.Text.Json.Nodes.JsonObject o
                    && cluster.Nodes.All(n => o.ContainsKey(n.Name)),
                TimeSpan.FromSeconds(30),
                "the failsafe key to name every node");
            await scenario();
        }
        finally
        {
            await Poll.UntilAsync(async () => await cluster.Etcd.HasQuorumAsync(), TimeSpan.FromSeconds(30), "etcd to have its quorum back");
            await SetConfigAsync("failsafe_mode", false);
        }
    }

    private async Task SetConfigAsync(string name, bool value)
    {
        var key = $"/service/{lab.Cluster.Scope}/config";
        var config = System.Text.Json.Nodes.JsonNode.Parse(await lab.Cluster.Etcd.GetAsync(key) ?? "{}")!.AsObject();
        config[name] = value;
        await lab.Cluster.Etcd.EtcdctlAsync(["put", key, config.ToJsonString()]);
    }

    /// <summary>
    /// Stops two of the three etcd members (the raft leader first) and proves the quorum is gone. Registers the heal
    /// (restart them, then <paramref name="alsoHeal"/>) and returns it too, for a scenario that brings etcd back early.
    /// </summary>
    private async Task<Func<Task>> LoseEtcdQuorumAsync(FaultRecord fault, Func<Task>? alsoHeal)
    {
        var etcd = lab.Cluster.Etcd;
        var first = await etcd.LeaderIndexAsync() ?? 0;
        int[] stopped = [first, (first + 1) % etcd.Count];
        var pids = stopped.Select(etcd.Pid).ToList();
        async Task Restore()
        {
            foreach (var member in stopped.Where(m => !etcd.IsRunning(m)))
            {
                etcd.Restart(member);
            }
            await etcd.WaitHealthyAsync(TimeSpan.FromSeconds(30));
        }
        fault.HealWith(async () =>
        {
            await Restore();
            if (alsoHeal is not null)
            {
                await alsoHeal();
            }
        });
        foreach (var member in stopped)
        {
            await etcd.StopAsync(member);
        }
        await Poll.UntilAsync(() => pids.All(ProcFs.IsGone), TimeSpan.FromSeconds(10), $"etcd PIDs {string.Join(", ", pids)} to be gone");
        await Poll.UntilAsync(async () => !await etcd.HasQuorumAsync(), TimeSpan.FromSeconds(10), "etcd to lose its quorum (a linearizable read to fail)");
        fault.Proved($"etcd {string.Join(", ", stopped.Select(etcd.Name))} gone, linearizable read fails");
        return Restore;
    }

    private static long LogLength(ChaosNode node) => File.Exists(node.AgentLogPath) ? new FileInfo(node.AgentLogPath).Length : 0;

    /// <summary>
    /// Waits for the agent's log to say <paramref name="sentence"/> after byte <paramref name="from"/> (and, with
    /// <paramref name="after"/>, that long into the fault), and records it as proof.
    /// </summary>
    private static async Task RequireLoggedAsync(ChaosNode node, long from, string sentence, FaultRecord fault, TimeSpan? after = null)
    {
        var notBefore = after ?? TimeSpan.Zero;
        long offset = from;
        await Poll.UntilAsync(
            () =>
            {
                var (found, end) = Contains(node.AgentLogPath, offset, sentence);
                if (fault.Elapsed < notBefore)
                {
                    offset = end;
                    return false;
                }

                return found;
            },
            TimeSpan.FromSeconds(ChaosAgentConfig.Ttl * 3) + notBefore,
            $"{node.Name} to log '{sentence}'");
        fault.Proved(string.Create(CultureInfo.InvariantCulture, $"{node.Name} logged '{sentence}' at {fault.Elapsed.TotalSeconds:0.0} s"));
    }

    private static (bool Found, long End) Contains(string path, long from, string sentence)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        stream.Seek(Math.Min(from, stream.Length), SeekOrigin.Begin);
        using var reader = new StreamReader(stream);
        var text = reader.ReadToEnd();
        return (text.Contains(sentence, StringComparison.Ordinal), stream.Length);
    }
}
