using Npgsql;
using NodeAgent.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace NodeAgent.IntegrationTests.Cluster;

/// <summary>
/// Scenario: a cascade u4 -> u5 -> u6 with use_slots (the seed's setting). u6's <c>replicatefrom: u5</c> makes u5 create
/// u6's slot, and u6 streams through it; when the tag goes (a reload), u6 follows the leader and u5 drops the slot.
/// </summary>
[Collection(AgentClusterSequence.Name)]
public sealed class CascadeTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Cascaded_replica_streams_through_its_slot_on_the_intermediate_replica_which_drops_it_when_no_longer_followed()
    {
        // Only u4 may lead, so the cascade's shape is known.
        await using var cluster = await AgentCluster.StartAsync(name => name switch
        {
            "u5" => "tags:\n  nofailover: true\n",
            "u6" => "tags:\n  nofailover: true\n  replicatefrom: u5\n",
            _ => "",
        });
        await cluster.ExplainFailuresAsync(async () =>
        {
            var (u4, u5, u6) = (cluster.Node("u4"), cluster.Node("u5"), cluster.Node("u6"));
            Assert.Equal(u4, await cluster.WaitForLeaderAsync());
            await Poll.UntilAsync(async () => await SlotActiveAsync(u5, "u6") == true && await ReceiverSlotAsync(u6) == ("u6", u5.Address),
                AgentCluster.Patience, "u6 to stream from u5 through slot u6 on u5");
            Assert.DoesNotContain("u6", await PhysicalSlotsAsync(u4));
            output.WriteLine($"u4 slots: {string.Join(", ", await PhysicalSlotsAsync(u4))}; u5 slots: {string.Join(", ", await PhysicalSlotsAsync(u5))}");

            var token = Guid.NewGuid().ToString("N");
            await u4.ScalarAsync($"CREATE TABLE cascade_probe (token text); INSERT INTO cascade_probe VALUES ('{token}')");
            await Poll.UntilAsync(async () => (string?)await u6.ScalarAsync("SELECT token FROM cascade_probe") == token,
                TimeSpan.FromSeconds(30), "the row written on u4 to reach u6 through u5");

            // The tag goes: u6 follows the leader, which makes its slot; u5 no longer needs u6's slot and drops it.
            File.WriteAllText(u6.ConfigPath, File.ReadAllText(u6.ConfigPath).Replace("  replicatefrom: u5\n", "", StringComparison.Ordinal));
            Signals.Send(u6.AgentPid!.Value, Signals.SigHup);
            await Poll.UntilAsync(async () => await ReceiverSlotAsync(u6) == ("u6", u4.Address) && await SlotActiveAsync(u4, "u6") == true,
                AgentCluster.Patience, "u6 to stream from the leader u4 through slot u6 on u4 after its tag was removed");
            await Poll.UntilAsync(async () => !(await PhysicalSlotsAsync(u5)).Contains("u6"),
                TimeSpan.FromSeconds(30), "u5 to drop the slot u6 no longer uses");
        });
    }

    private static async Task<bool?> SlotActiveAsync(AgentNode node, string slot) =>
        await node.ScalarAsync($"SELECT active FROM pg_replication_slots WHERE slot_name = '{slot}'") as bool?;

    private static async Task<(string?, string?)> ReceiverSlotAsync(AgentNode node)
    {
        await using var connection = await node.OpenConnectionAsync();
        await using var command = new NpgsqlCommand("SELECT slot_name, sender_host FROM pg_stat_wal_receiver WHERE status = 'streaming'", connection);
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? (reader.IsDBNull(0) ? null : reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1)) : (null, null);
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
