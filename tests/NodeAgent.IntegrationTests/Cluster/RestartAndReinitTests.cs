using System.Globalization;
using System.Text.Json.Nodes;
using NodeAgent.IntegrationTests.Ctl;
using NodeAgent.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace NodeAgent.IntegrationTests.Cluster;

/// <summary>
/// Acceptance: POST /restart restarts postgres in place (a leader keeps its lock, nobody fails over), a scheduled
/// restart runs on time and can be flushed, and agentctl reinit re-clones a replica that then streams again.
/// </summary>
[Collection(AgentClusterSequence.Name)]
public sealed class RestartAndReinitTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Post_restart_restarts_replica_and_leader_in_place_and_the_leader_keeps_its_lock()
    {
        await using var cluster = await AgentCluster.StartAsync();
        await cluster.ExplainFailuresAsync(async () =>
        {
            var leader = await cluster.WaitForHealthyAsync();
            var replica = cluster.Nodes.First(n => n != leader);
            var timeline = await leader.PrimaryTimelineAsync();
            var history = await EtcdKeys.GetAsync(cluster.Etcd, cluster.KeyPrefix + "history");

            // Conditions that do not hold: nothing restarts.
            var replicaPid = replica.PostmasterPid();
            Assert.Equal((503, "restart conditions are not satisfied"), await AgentRest.PostAsync(replica, "/restart", """{"restart_pending":true}"""));
            Assert.Equal((503, "restart conditions are not satisfied"), await AgentRest.PostAsync(replica, "/restart", """{"role":"master"}"""));
            Assert.Equal((400, "PostgreSQL role should be either primary or replica"), await AgentRest.PostAsync(replica, "/restart", """{"role":"leader"}"""));
            Assert.Equal(replicaPid, replica.PostmasterPid());

            // A replica: a new postmaster, streaming from the same leader again.
            Assert.Equal((200, "restarted successfully"), await AgentRest.PostAsync(replica, "/restart", "{}"));
            Assert.NotNull(replica.PostmasterPid());
            Assert.NotEqual(replicaPid, replica.PostmasterPid());
            await cluster.WaitForStreamingAsync(leader);

            // The leader: a new postmaster, and the leader key never leaves it while postgres restarts.
            var leaderPid = leader.PostmasterPid();
            var holders = new List<string?>();
            using var sampling = new CancellationTokenSource();
            var sampler = SampleLeaderKeyAsync(cluster, holders, sampling.Token);
            var answer = await AgentRest.PostAsync(leader, "/restart", """{"role":"primary","timeout":60}""");
            await Poll.UntilAsync(async () => (await AgentRest.GetAsync(leader, "/master")).Status == 200, AgentCluster.Patience, $"{leader.Name} to answer /master with 200 again");
            await sampling.CancelAsync();
            await sampler;
            output.WriteLine($"POST /restart on leader {leader.Name}: {answer}; leader key sampled {holders.Count} times: {string.Join(",", holders.Distinct())}");
            Assert.Equal((200, "restarted successfully"), answer);
            Assert.NotNull(leader.PostmasterPid());
            Assert.NotEqual(leaderPid, leader.PostmasterPid());
            Assert.True(holders.Count > 5, $"the leader key was sampled only {holders.Count} times");
            Assert.All(holders, h => Assert.Equal(leader.Name, h));
            Assert.Equal(leader.Name, await cluster.LeaderNameAsync());
            Assert.False(await leader.IsInRecoveryAsync());
            Assert.Equal(timeline, await leader.PrimaryTimelineAsync());
            Assert.Equal(history, await EtcdKeys.GetAsync(cluster.Etcd, cluster.KeyPrefix + "history"));
            // The fence stayed armed and was fed through the restart; it never shot the restarted postmaster.
            var status = JsonNode.Parse((await AgentRest.GetAsync(leader, "/patroni")).Body)!;
            Assert.True((bool?)status["fence"]?["armed"], $"fence not armed after the restart: {status["fence"]?.ToJsonString()}");
            Assert.DoesNotContain("sent immediate shutdown", leader.ReadLog(), StringComparison.Ordinal);
            await cluster.WaitForHealthyAsync(where: n => n == leader);
            foreach (var other in cluster.Nodes.Where(n => n != leader))
            {
                Assert.True(await other.IsInRecoveryAsync(), $"{other.Name} left recovery: a failover happened");
            }
        });
    }

    [Fact]
    public async Task Agentctl_schedules_and_flushes_restarts_and_reinit_reclones_a_replica()
    {
        await using var cluster = await AgentCluster.StartAsync();
        await cluster.ExplainFailuresAsync(async () =>
        {
            var leader = await cluster.WaitForHealthyAsync();
            var replica = cluster.Nodes.First(n => n != leader);
            var config = leader.ConfigPath;
            var memberKey = cluster.KeyPrefix + "members/" + replica.Name;

            // A restart scheduled a few seconds ahead shows in the member key, then runs and disappears.
            var pid = replica.PostmasterPid();
            var at = DateTimeOffset.Now.AddSeconds(6);
            at = at.AddTicks(-(at.Ticks % TimeSpan.TicksPerSecond));
            var scheduled = await CtlRun.AgentCtlAsync("", "-c", config, "restart", cluster.Scope, replica.Name, "--force",
                "--scheduled", at.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture));
            output.WriteLine($"agentctl restart --scheduled: exit {scheduled.ExitCode}\n{scheduled.Out}{scheduled.Err}");
            Assert.Equal(0, scheduled.ExitCode);
            Assert.EndsWith($"Success: restart scheduled on member {replica.Name}\n", scheduled.Out, StringComparison.Ordinal);
            await Poll.UntilAsync(async () => ScheduledRestart(await EtcdKeys.GetAsync(cluster.Etcd, memberKey)) is not null,
                TimeSpan.FromSeconds(10), $"{replica.Name}'s member key to show the scheduled restart");
            Assert.Equal(pid, replica.PostmasterPid());
            await Poll.UntilAsync(() => replica.PostmasterPid() is { } now && now != pid, TimeSpan.FromSeconds(40), $"{replica.Name} to restart at {at:HH:mm:ss}");
            output.WriteLine($"{replica.Name} restarted at {DateTimeOffset.Now:HH:mm:ss.fff}, scheduled for {at:HH:mm:ss}");
            Assert.True(DateTimeOffset.Now >= at, "the scheduled restart ran early");
            await Poll.UntilAsync(async () => ScheduledRestart(await EtcdKeys.GetAsync(cluster.Etcd, memberKey)) is null,
                TimeSpan.FromSeconds(10), $"{replica.Name}'s member key to drop the scheduled restart");

            // One scheduled far ahead is flushed (DELETE /restart); a second DELETE finds nothing.
            pid = replica.PostmasterPid();
            var later = await CtlRun.AgentCtlAsync("", "-c", config, "restart", cluster.Scope, replica.Name, "--force", "--scheduled",
                DateTimeOffset.Now.AddHours(1).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture));
            Assert.Contains($"Success: restart scheduled on member {replica.Name}", later.Out, StringComparison.Ordinal);
            await Poll.UntilAsync(async () => ScheduledRestart(await EtcdKeys.GetAsync(cluster.Etcd, memberKey)) is not null,
                TimeSpan.FromSeconds(10), $"{replica.Name}'s member key to show the restart scheduled in an hour");
            var flushed = await CtlRun.AgentCtlAsync("", "-c", config, "flush", cluster.Scope, replica.Name, "restart", "--force");
            output.WriteLine($"agentctl flush restart: exit {flushed.ExitCode}\n{flushed.Out}{flushed.Err}");
            Assert.Contains($"Success: flush scheduled restart for member {replica.Name}", flushed.Out, StringComparison.Ordinal);
            Assert.Equal((404, "no restarts are scheduled"), await AgentRest.SendAsync(replica, HttpMethod.Delete, "/restart", null));
            await Poll.UntilAsync(async () => ScheduledRestart(await EtcdKeys.GetAsync(cluster.Etcd, memberKey)) is null,
                TimeSpan.FromSeconds(10), $"{replica.Name}'s member key to drop the flushed restart");
            Assert.Equal(pid, replica.PostmasterPid());

            // reinit --force --wait: the data dir is cloned again (the marker is gone), same system, streaming again.
            replica.DropMarker();
            var sysid = await replica.SystemIdentifierFromControlDataAsync();
            var clones = replica.CloneCount();
            var reinit = await CtlRun.AgentCtlAsync("", "-c", config, "reinit", cluster.Scope, replica.Name, "--force", "--wait");
            output.WriteLine($"agentctl reinit --force --wait: exit {reinit.ExitCode}\n{reinit.Out}{reinit.Err}");
            Assert.Equal(0, reinit.ExitCode);
            Assert.Contains($"Success: reinitialize for member {replica.Name}\n", reinit.Out, StringComparison.Ordinal);
            Assert.Contains($"Waiting for reinitialize to complete on: {replica.Name}\n", reinit.Out, StringComparison.Ordinal);
            Assert.EndsWith($"Reinitialize is completed on: {replica.Name}\n", reinit.Out, StringComparison.Ordinal);
            Assert.False(replica.HasMarker(), $"{replica.Name}'s data dir still has the marker: it was not cloned again");
            Assert.Equal(clones + 1, replica.CloneCount());
            Assert.Equal(sysid, await replica.SystemIdentifierFromControlDataAsync());
            Assert.Equal("running", (string?)JsonNode.Parse((await AgentRest.GetAsync(replica, "/patroni")).Body)?["state"]);
            await cluster.WaitForStreamingAsync(leader);
            Assert.Equal(leader.Name, await cluster.LeaderNameAsync());

            // The leader is not reinitialized: agentctl picks replicas only, and the agent itself refuses.
            var refused = await CtlRun.AgentCtlAsync("", "-c", config, "reinit", cluster.Scope, leader.Name, "--force");
            output.WriteLine($"agentctl reinit of the leader: exit {refused.ExitCode}\n{refused.Out}{refused.Err}");
            Assert.NotEqual(0, refused.ExitCode);
            Assert.Equal("Error: No replica among provided members\n", refused.Err);
            Assert.Equal((503, "I am the leader, can not reinitialize"), await AgentRest.PostAsync(leader, "/reinitialize", """{"force":true}"""));
            Assert.Equal(leader.Name, await cluster.LeaderNameAsync());
            Assert.False(await leader.IsInRecoveryAsync());
        });
    }

    private static JsonNode? ScheduledRestart(string? memberJson) =>
        memberJson is null ? null : JsonNode.Parse(memberJson)?["scheduled_restart"];

    /// <summary>Reads the leader key every 50 ms until cancelled; null entries mean the key was absent.</summary>
    private static async Task SampleLeaderKeyAsync(AgentCluster cluster, List<string?> holders, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                holders.Add(await cluster.LeaderNameAsync(ct));
                await Task.Delay(TimeSpan.FromMilliseconds(50), ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
        }
    }
}
