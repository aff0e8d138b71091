using System.Diagnostics;
using NodeAgent.IntegrationTests.Fixtures;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace NodeAgent.IntegrationTests.Chaos;

/// <summary>
/// Runs one fault against a healthy lab with the chaos client writing throughout: baseline, fault (the
/// injector returns the action that heals it), heal, wait for the cluster to heal by itself, let writes
/// resume, stop the client, then measure and assert: no split brain, nothing acknowledged lost, healed
/// within <see cref="ChaosCluster.HealLimit"/>.
/// </summary>
internal sealed class ChaosScenario(ChaosCluster cluster, ITestOutputHelper output)
{
    /// <summary>A fault is applied to the healthy cluster (given its leader) and returns the heal action.</summary>
    public delegate Task<Func<Task>> Fault(ChaosNode leader);

    public async Task<ChaosVerdict> RunAsync(string scenario, Fault inject)
    {
        try
        {
            return await RunCoreAsync(scenario, inject);
        }
        catch (Exception ex) when (ex is not XunitException)
        {
            throw new XunitException($"{scenario}: {ex.GetType().Name}: {ex.Message}\n{cluster.Describe()}\n--- exception:\n{ex}");
        }
    }

    private async Task<ChaosVerdict> RunCoreAsync(string scenario, Fault inject)
    {
        var leader = await EnsureHealthyAsync(scenario);
        var tag = $"{scenario}_{Guid.NewGuid():N}"[..(scenario.Length + 7)];
        await using var client = ChaosClientRun.Start(cluster.ClientHost, cluster.Haproxy, cluster.Nodes, tag, cluster.Root);
        await Poll.UntilAsync(
            () =>
            {
                var log = client.Read();
                return log.Haproxy.Count >= 25 && log.Direct.Count(d => d.Node == leader.Name) >= 5;
            },
            TimeSpan.FromSeconds(60),
            $"the chaos client's first writes through HAProxy and to {leader.Name}");

        var faultStart = NowMs();
        Note($"fault '{scenario}' on leader {leader.Name}");
        var heal = await inject(leader);
        Note($"healing '{scenario}'");
        var healing = Stopwatch.StartNew();
        await heal();
        TimeSpan? healTime = null;
        string? notHealed = null;
        try
        {
            await cluster.WaitForHealthyAsync(ChaosCluster.HealLimit);
            healTime = healing.Elapsed;
            var healthyMs = NowMs();
            await Poll.UntilAsync(
                () => client.Read().Haproxy.Count(a => a.StartMs > healthyMs) >= 10,
                TimeSpan.FromSeconds(30),
                "writes through HAProxy to resume after healing");
        }
        catch (TimeoutException ex)
        {
            // Still measure what was written: a cluster that does not heal must not hide a split brain or a loss.
            notHealed = ex.Message;
        }
        var endMs = NowMs();
        await client.StopAsync();

        var finalLeader = await CurrentPrimaryAsync();
        var log = client.Read();
        var present = (await finalLeader.ColumnAsync<long>($"SELECT seq FROM chaos_acked WHERE tag = '{tag}'")).ToHashSet();
        var lost = log.Haproxy.Select(a => a.Seq).Where(s => !present.Contains(s)).Order().ToList();
        var verdict = new ChaosVerdict(
            scenario,
            ChaosVerdict.LongestGap(log, faultStart, endMs),
            ChaosVerdict.SplitBrain(log),
            lost,
            healTime,
            log.Haproxy.Count,
            leader.Name,
            finalLeader.Name);
        Report(verdict, log);

        Assert.True(verdict.SplitBrainRounds.Count == 0,
            $"{scenario}: split brain: two nodes acknowledged direct writes in rounds {string.Join(", ", verdict.SplitBrainRounds.Take(20))} " +
            $"({string.Join("; ", log.Direct.Where(d => verdict.SplitBrainRounds.Contains(d.Round)).Take(20).Select(d => $"{d.Node}@{d.Round}"))})");
        Assert.True(lost.Count == 0,
            $"{scenario}: {lost.Count} writes acknowledged through HAProxy are missing on the final leader {finalLeader.Name}: seq {string.Join(", ", lost.Take(30))}");
        Assert.True(notHealed is null, $"{scenario}: the cluster did not heal by itself: {notHealed}\n{cluster.Describe()}");
        return verdict;
    }

    /// <summary>
    /// The cluster should be healthy when a scenario starts. If an earlier scenario left a node that does not
    /// rejoin by itself (that scenario already failed for it), re-clone it so this scenario measures its own fault.
    /// </summary>
    private async Task<ChaosNode> EnsureHealthyAsync(string scenario)
    {
        try
        {
            return await cluster.WaitForHealthyAsync(TimeSpan.FromSeconds(60));
        }
        catch (TimeoutException ex)
        {
            var leader = await CurrentPrimaryAsync();
            var streaming = await leader.StreamingReplicasAsync();
            foreach (var node in cluster.Nodes.Where(n => n != leader && !streaming.Contains(n.Name)))
            {
                output.WriteLine($"{scenario}: cluster not healthy before the fault ({ex.Message}); re-cloning {node.Name}");
                await node.RecloneAsync();
            }
            return await cluster.WaitForHealthyAsync(TimeSpan.FromSeconds(180));
        }
    }

    /// <summary>The node holding the leader key and running as primary.</summary>
    private async Task<ChaosNode> CurrentPrimaryAsync()
    {
        ChaosNode? leader = null;
        await Poll.UntilAsync(
            async () =>
            {
                var name = await cluster.LeaderNameAsync();
                leader = cluster.Nodes.FirstOrDefault(n => n.Name == name);
                return leader is not null && await leader.IsPrimaryAsync();
            },
            TimeSpan.FromSeconds(60),
            "a leader running as primary");
        return leader!;
    }

    private void Report(ChaosVerdict verdict, WriteLog log)
    {
        var line = verdict.Line();
        output.WriteLine(
            $"{verdict.Scenario}: outage through HAProxy {verdict.Outage.TotalSeconds:0.00} s, split-brain overlap {verdict.SplitBrainOverlap.TotalMilliseconds:0} ms, " +
            $"lost {verdict.LostSeqs.Count} of {verdict.Acknowledged} acknowledged, healed in {verdict.HealText} " +
            $"({verdict.OldLeader} -> {verdict.FinalLeader}; {log.Direct.Count} direct acks, {log.Failures} failed attempts)");
        File.AppendAllText(ChaosClusterFixture.ResultsPath, line + "\n");
        Console.Error.WriteLine("chaos result " + line);
    }

    private void Note(string what)
    {
        foreach (var node in cluster.Nodes)
        {
            node.Note(what);
        }
        output.WriteLine($"{DateTime.Now:HH:mm:ss.fff} {what}");
    }

    private static long NowMs() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
}
