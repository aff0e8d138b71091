using NodeAgent.IntegrationTests.Fixtures;
using Xunit.Sdk;

namespace NodeAgent.IntegrationTests.Cluster;

/// <summary>
/// The split-brain check <see cref="FrozenLeaderTests"/> runs after observing (<see cref="WriteOverlap.AssertNoneAfter"/>)
/// fails on a synthetic log in which the frozen leader acknowledged a write after the lock moved.
/// </summary>
public sealed class FrozenLeaderOverlapTests
{
    [Fact]
    public void A_write_the_old_leader_acknowledged_after_the_lock_moved_fails_the_check()
    {
        NodeAck[] writes =
        [
            new("u4", "probe", 100, 104),
            new("u4", "probe", 9_980, 10_030),
            new("u5", "probe", 10_400, 10_402),
        ];

        var failure = Assert.ThrowsAny<XunitException>(() => WriteOverlap.AssertNoneAfter(writes, "u4", 10_000, "u5 took the lock"));

        Assert.Contains("u4 acknowledged 1 writes after u5 took the lock", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Writes_the_old_leader_acknowledged_before_the_lock_moved_pass()
    {
        NodeAck[] writes = [new("u4", "probe", 100, 104), new("u4", "probe", 5_900, 5_903), new("u5", "probe", 10_400, 10_402)];

        WriteOverlap.AssertNoneAfter(writes, "u4", 10_000, "u5 took the lock");
    }
}
