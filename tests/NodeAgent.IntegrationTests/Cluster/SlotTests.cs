using Npgsql;
using NodeAgent.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace NodeAgent.IntegrationTests.Cluster;

/// <summary>Scenario: the leader keeps one physical slot per member plus the permanent <c>patroni</c> slot, and drops a removed member's.</summary>
[Collection(AgentClusterSequence.Name)]
public sealed class SlotTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Leader_keeps_member_and_permanent_slots_and_drops_the_slot_of_a_removed_member()
    {
        await using var cluster = await AgentCluster.StartAsync();
        await cluster.ExplainFailuresAsync(async () =>
        {
            var leader = await cluster.WaitForHealthyAsync();
            var replicas = cluster.Nodes.Where(n => n != leader).ToList();
            var expected = replicas.Select(r => r.Name).Append("patroni").Order(StringComparer.Ordinal).ToList();
            IReadOnlyList<string> slots = [];
            await Poll.UntilAsync(async () => (slots = await PhysicalSlotsAsync(leader)).SequenceEqual(expected),
                TimeSpan.FromSeconds(30), $"{leader.Name}'s slots to be [{string.Join(", ", expected)}]");
            output.WriteLine($"{leader.Name} slots: {string.Join(", ", slots)}");
            var active = (long)(await leader.ScalarAsync("SELECT count(*) FROM pg_replication_slots WHERE active"))!;
            Assert.Equal(2, active);

            // A replica leaves for good: agent and postgres stopped, its member key deleted.
            var gone = replicas[0];
            Assert.True(await gone.StopAsync());
            await EtcdKeys.DeleteAsync(cluster.Etcd, cluster.KeyPrefix + "members/" + gone.Name);
            var remaining = expected.Where(s => s != gone.Name).ToList();
            await Poll.UntilAsync(async () => (slots = await PhysicalSlotsAsync(leader)).SequenceEqual(remaining),
                TimeSpan.FromSeconds(30), $"{leader.Name} to drop the slot of {gone.Name}");
            output.WriteLine($"after removing {gone.Name}: {string.Join(", ", slots)}");
            await AgentCluster.WaitForStreamingAsync(leader, [replicas[1]]);
        });
    }

    private static async Task<IReadOnlyList<string>> PhysicalSlotsAsync(AgentNode node)
    {
        await using var connection = await node.OpenConnectionAsync();
        await using var command = new NpgsqlCommand("SELECT slot_name FROM pg_replication_slots WHERE slot_type = 'physical' ORDER BY slot_name", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var names = new List<string>();
        while (await reader.ReadAsync())
        {
            names.Add(reader.GetString(0));
        }
        return names;
    }
}
