namespace NodeAgent.IntegrationTests.Fixtures;

/// <summary>A write some node acknowledged: the node, the way it went, when it was sent and acknowledged (ms, one clock).</summary>
public sealed record NodeAck(string Node, string Channel, long StartMs, long AckMs);

/// <summary>
/// Split brain as clients see it: two nodes acknowledging writes at once. Pure functions over what was
/// observed, so a test asserts on them after collecting, and a unit test shows that they fire.
/// </summary>
public static class WriteOverlap
{
    /// <summary>Rounds (send time / <paramref name="roundMs"/>) in which two or more nodes acknowledged a write.</summary>
    public static IReadOnlyList<long> Rounds(IEnumerable<NodeAck> acks, int roundMs) =>
        acks.GroupBy(a => a.StartMs / roundMs)
            .Where(g => g.Select(a => a.Node).Distinct().Count() > 1)
            .Select(g => g.Key)
            .Order()
            .ToList();

    /// <summary>The first write acknowledged by a node other than <paramref name="node"/> at or after <paramref name="sinceMs"/>.</summary>
    public static NodeAck? FirstByOther(IEnumerable<NodeAck> acks, string node, long sinceMs) =>
        acks.Where(a => a.Node != node && a.AckMs >= sinceMs).MinBy(a => a.AckMs);

    /// <summary>Writes <paramref name="node"/> acknowledged after <paramref name="sinceMs"/> (when another node had taken over).</summary>
    public static IReadOnlyList<NodeAck> AckedAfter(IEnumerable<NodeAck> acks, string node, long sinceMs) =>
        acks.Where(a => a.Node == node && a.AckMs > sinceMs).OrderBy(a => a.AckMs).ToList();

    /// <summary>Fails if <paramref name="node"/> acknowledged any write after <paramref name="sinceMs"/>.</summary>
    public static void AssertNoneAfter(IEnumerable<NodeAck> acks, string node, long sinceMs, string since)
    {
        var late = AckedAfter(acks, node, sinceMs);
        if (late.Count > 0)
        {
            Assert.Fail($"split brain: {node} acknowledged {late.Count} writes after {since} (at {sinceMs} ms): " +
                string.Join(", ", late.Take(10).Select(a => $"{a.Channel} sent {a.StartMs} acked {a.AckMs}")));
        }
    }
}
