using System.Diagnostics;
using System.Globalization;
using NodeAgent.IntegrationTests.Fixtures;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace NodeAgent.IntegrationTests.Chaos;

/// <summary>
/// Runs one fault against a healthy lab with the chaos client writing throughout (through HAProxy, to every
/// node, and from inside the leader's namespace to its own postgres): baseline, fault (proved to take effect,
/// held, healed), wait for the cluster to heal by itself, let writes resume, stop the writers, then measure and
/// assert what the scenario's <see cref="ScenarioPromise"/> and the common rules promise.
/// </summary>
internal sealed class ChaosScenario(ChaosCluster cluster, ITestOutputHelper output)
{
    /// <summary>
    /// Applies a fault to the healthy cluster (given its leader), registers its heal on the record at once,
    /// proves on the record that it took effect, and holds it.
    /// </summary>
    public delegate Task Fault(ChaosNode leader, FaultRecord fault);

    public async Task<ChaosVerdict> RunAsync(string scenario, ScenarioPromise promise, Fault inject)
    {
        try
        {
            return await RunCoreAsync(scenario, promise, inject);
        }
        catch (Exception ex) when (ex is not XunitException)
        {
            throw new XunitException($"{scenario}: {ex.GetType().Name}: {ex.Message}\n{cluster.Describe()}\n--- exception:\n{ex}");
        }
    }

    private async Task<ChaosVerdict> RunCoreAsync(string scenario, ScenarioPromise promise, Fault inject)
    {
        var leader = await EnsureHealthyAsync(scenario);
        var tag = $"{scenario}_{Guid.NewGuid():N}"[..(scenario.Length + 7)];
        await using var client = ChaosClientRun.Start(cluster.ClientHost, cluster.Haproxy, cluster.Nodes, tag, cluster.Root);
        await using var local = ChaosClientRun.StartLocal(leader, tag, cluster.Root);
        await Poll.UntilAsync(
            () =>
            {
                var log = WriteLog.Parse([client.AckLogPath, local.AckLogPath], tag);
                return log.Haproxy.Count >= 25 && log.Direct.Count(d => d.Node == leader.Name) >= 5 && log.Local.Count >= 25;
            },
            TimeSpan.FromSeconds(60),
            $"the chaos client's first writes through HAProxy, to {leader.Name}, and locally on {leader.Name}");

        var faultStart = NowMs();
        var fault = new FaultRecord();
        Note($"fault '{scenario}' on leader {leader.Name}");
        var writesStop = promise.WritesStopWithin is { } within ? WatchWritesStopAsync(leader, fault, within) : Task.FromResult<string?>(null);
        var healing = new Stopwatch();
        try
        {
            await inject(leader, fault);
        }
        finally
        {
            Note($"healing '{scenario}'");
            healing.Start();
            await fault.HealAsync();
        }
        var writesStopFailure = await writesStop;
        TimeSpan? healTime = null;
        string? notHealed = null;
        try
        {
            await cluster.WaitForHealthyAsync(ChaosCluster.HealLimit - healing.Elapsed);
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
        await Task.WhenAll(client.StopAsync(), local.StopAsync());

        var finalLeader = await CurrentPrimaryAsync();
        var log = WriteLog.Parse([client.AckLogPath, local.AckLogPath], tag);
        var acks = log.All();
        var firstByOther = WriteOverlap.FirstByOther(acks, leader.Name, faultStart);
        var verdict = new ChaosVerdict(
            scenario,
            fault.Text,
            ChaosVerdict.LongestGap(log, faultStart, endMs),
            ChaosVerdict.SplitBrain(log),
            firstByOther is null ? [] : WriteOverlap.AckedAfter(acks, leader.Name, firstByOther.AckMs),
            firstByOther,
            await MissingAsync(finalLeader, "haproxy", $"SELECT seq::text FROM chaos_acked WHERE tag = '{tag}'", log.Haproxy.Select(a => $"{a.Seq}")),
            await MissingAsync(finalLeader, "direct", $"SELECT node || '@' || round FROM chaos_direct WHERE tag = '{tag}'", log.Direct.Select(a => $"{a.Node}@{a.Round}")),
            await MissingAsync(finalLeader, "local", $"SELECT seq::text FROM chaos_local WHERE tag = '{tag}'", log.Local.Select(a => $"{a.Seq}")),
            healTime,
            leader.Name,
            finalLeader.Name);
        Report(verdict, log);
        Judge(verdict, promise, writesStopFailure, notHealed, log, faultStart, fault.LeaderCutMs ?? faultStart);
        return verdict;
    }

    /// <summary>The fault took effect first; then what the design promises; then that the cluster healed.</summary>
    private void Judge(ChaosVerdict verdict, ScenarioPromise promise, string? writesStopFailure, string? notHealed, WriteLog log, long faultStartMs, long crashMs)
    {
        var scenario = verdict.Scenario;
        Assert.True(writesStopFailure is null, $"{scenario}: the fault did not take effect: {writesStopFailure}");
        if (promise.Failover)
        {
            Assert.True(verdict.FinalLeader != verdict.OldLeader, $"{scenario}: no failover: {verdict.OldLeader} is still the leader");
        }
        if (promise.LeaderStays)
        {
            Assert.True(verdict.FinalLeader == verdict.OldLeader, $"{scenario}: the leader moved from {verdict.OldLeader} to {verdict.FinalLeader}");
        }
        if (promise.NoSplitBrain)
        {
            Assert.True(verdict.SplitBrainRounds.Count == 0,
                $"{scenario}: split brain: two nodes acknowledged writes in rounds {string.Join(", ", verdict.SplitBrainRounds.Take(20))} " +
                $"({string.Join("; ", log.All().Where(a => verdict.SplitBrainRounds.Contains(a.StartMs / WriteLog.RoundMs)).Take(20).Select(a => $"{a.Node} {a.Channel} @{a.StartMs}"))})");
            Assert.True(verdict.LateAcks.Count == 0,
                $"{scenario}: split brain: {verdict.OldLeader} acknowledged {verdict.LateText} after {verdict.FirstByOther?.Node}'s first acknowledged write");
        }
        if (promise.NoFailedWrites)
        {
            var failed = log.HaproxyFailures.Where(f => f.StartMs >= faultStartMs).ToList();
            Assert.True(failed.Count == 0,
                $"{scenario}: {failed.Count} writes through HAProxy failed after the fault began: {string.Join("; ", failed.Take(10).Select(f => $"@{f.StartMs} {f.Message}"))}");
        }
        var unexcused = ChaosVerdict.Unexcused(log, verdict.Haproxy.Missing, verdict.OldLeader, crashMs, promise.CrashWindow);
        Assert.True(unexcused.Count == 0,
            $"{scenario}: {unexcused.Count} writes acknowledged through HAProxy are missing on the final leader {verdict.FinalLeader}: seq {string.Join(", ", unexcused.Take(30))}" +
            (promise.CrashWindow > TimeSpan.Zero ? $" (acknowledged before the last {promise.CrashWindow.TotalSeconds:0.#} s of the old leader {verdict.OldLeader}{(crashMs > faultStartMs ? " before its cut" : "")}, or by another node)" : ""));
        if (promise.Synchronous || (verdict.FirstByOther is null && verdict.FinalLeader == verdict.OldLeader))
        {
            foreach (var channel in new[] { verdict.Direct, verdict.Local })
            {
                Assert.True(channel.Missing.Count == 0,
                    promise.Synchronous
                        ? $"{scenario}: synchronous mode, yet {channel.Missing.Count} acknowledged writes ({channel.Channel}) are missing on the final leader {verdict.FinalLeader}: {string.Join(", ", channel.Missing.Take(30))}"
                        : $"{scenario}: the leader never moved, yet {channel.Missing.Count} writes it acknowledged ({channel.Channel}) are missing on it: {string.Join(", ", channel.Missing.Take(30))}");
            }
        }
        Assert.True(notHealed is null, $"{scenario}: the cluster did not heal by itself: {notHealed}\n{cluster.Describe()}");
    }

    /// <summary>
    /// Probes the old leader over its unix socket until it refuses a write (a frozen server's silence does not
    /// count); records when. Returns why it failed, or null.
    /// </summary>
    private static async Task<string?> WatchWritesStopAsync(ChaosNode leader, FaultRecord fault, TimeSpan within)
    {
        try
        {
            await Poll.UntilAsync(async () => await leader.ProbeWriteAsync() == WriteProbe.Refused, within, $"{leader.Name} to refuse writes");
            fault.Proved(string.Create(CultureInfo.InvariantCulture, $"{leader.Name} refuses writes at {fault.Elapsed.TotalSeconds:0.0} s"));
            return null;
        }
        catch (TimeoutException ex)
        {
            return $"{leader.Name} still accepted writes (or did not answer) {within.TotalSeconds:0} s after the fault: {ex.Message}";
        }
    }

    private static async Task<ChannelLoss> MissingAsync(ChaosNode finalLeader, string channel, string presentSql, IEnumerable<string> acknowledged)
    {
        var present = (await finalLeader.ColumnAsync<string>(presentSql)).ToHashSet();
        var acked = acknowledged.ToList();
        return new ChannelLoss(channel, acked.Count, acked.Where(a => !present.Contains(a)).ToList());
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
            $"{verdict.Scenario}: fault took effect: {verdict.Evidence}; outage through HAProxy {verdict.Outage.TotalSeconds:0.00} s, " +
            $"split-brain overlap {verdict.SplitBrainOverlap.TotalMilliseconds:0} ms, old leader's acks after {verdict.FirstByOther?.Node ?? "another node"}'s first: {verdict.LateText}, " +
            $"lost through HAProxy {verdict.Haproxy.Text}, direct {verdict.Direct.Text}, local {verdict.Local.Text}, healed in {verdict.HealText} " +
            $"({verdict.OldLeader} -> {verdict.FinalLeader}; {log.Failures} failed attempts)");
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
