using NodeAgent.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace NodeAgent.IntegrationTests.Cluster;

/// <summary>
/// Scenario: postgresql.callbacks and pre_promote on three agents. A switchover fires on_role_change with Patroni's
/// arguments on both sides; a failing pre_promote on the next candidate cancels its promotion and another member leads.
/// </summary>
[Collection(AgentClusterSequence.Name)]
public sealed class CallbackTests(ITestOutputHelper output)
{
    [Fact]
    public async Task On_role_change_reports_the_new_roles_and_a_failing_pre_promote_cancels_the_promotion()
    {
        using var scripts = new TempDirectory("callback-scripts");
        // The agent runs the scripts as postgres: the directory is theirs to write the records into.
        File.SetUnixFileMode(scripts.Path, (UnixFileMode)0b111_111_111);
        var record = Script(scripts, "record.sh", $"echo \"$@\" >> {scripts.Path}/$1.log");
        var prePromote = Script(scripts, "pre_promote.sh",
            $"if [ -e {scripts.Path}/fail-$1 ]; then echo $1 >> {scripts.Path}/pre_promote-failed; exit 1; fi");
        await using var cluster = await AgentCluster.StartAsync(_ => "", name => $"""
            callbacks:
              on_role_change: {record} {name}
              on_start: {record} {name}
              on_restart: {record} {name}
            pre_promote: {prePromote} {name}
            """);
        await cluster.ExplainFailuresAsync(async () =>
        {
            var leader = await cluster.WaitForHealthyAsync();
            await cluster.WaitForStreamingAsync(leader);
            var candidate = cluster.Nodes.First(n => n != leader);

            var answer = await AgentRest.PostAsync(leader, "/switchover", $$"""{"leader":"{{leader.Name}}","candidate":"{{candidate.Name}}"}""");
            Assert.Equal((200, $"Successfully switched over to \"{candidate.Name}\""), answer);
            await WaitForLineAsync(scripts, candidate.Name, $"{candidate.Name} on_role_change master {cluster.Scope}");
            await WaitForLineAsync(scripts, leader.Name, $"{leader.Name} on_role_change replica {cluster.Scope}");

            // The old leader is the next candidate, and its pre_promote now fails.
            await cluster.WaitForStreamingAsync(candidate);
            File.WriteAllText(Path.Combine(scripts.Path, "fail-" + leader.Name), "");
            var refused = await AgentRest.PostAsync(candidate, "/switchover", $$"""{"leader":"{{candidate.Name}}","candidate":"{{leader.Name}}"}""");
            output.WriteLine($"switchover to {leader.Name} with a failing pre_promote: {refused.Status} {refused.Body}");

            var next = await cluster.WaitForHealthyAsync(where: n => n != leader);
            Assert.Equal(leader.Name + "\n", File.ReadAllText(Path.Combine(scripts.Path, "pre_promote-failed")));
            Assert.True(await leader.IsInRecoveryAsync(), $"{leader.Name} was promoted although its pre_promote failed");
            var primaries = new List<string>();
            foreach (var node in cluster.Nodes)
            {
                if (!await node.IsInRecoveryAsync())
                {
                    primaries.Add(node.Name);
                }
            }

            Assert.Equal([next.Name], primaries);
            Assert.Equal(next.Name, await cluster.LeaderNameAsync());
            output.WriteLine($"{next.Name} leads; records: {string.Join(" | ", Directory.GetFiles(scripts.Path, "*.log").Select(File.ReadAllText))}");
        });
    }

    private static string Script(TempDirectory dir, string name, string body)
    {
        var path = Path.Combine(dir.Path, name);
        File.WriteAllText(path, "#!/bin/sh\n" + body + "\n");
        File.SetUnixFileMode(path, (UnixFileMode)0b111_101_101);
        return path;
    }

    private static async Task WaitForLineAsync(TempDirectory dir, string member, string line)
    {
        var path = Path.Combine(dir.Path, member + ".log");
        try
        {
            await Poll.UntilAsync(() => Task.FromResult(File.Exists(path) && File.ReadAllLines(path).Contains(line)), TimeSpan.FromSeconds(30), $"'{line}' in {path}");
        }
        catch (TimeoutException)
        {
            Assert.Fail($"no '{line}' in {path}: {(File.Exists(path) ? File.ReadAllText(path) : "(none)")}");
        }
    }
}
