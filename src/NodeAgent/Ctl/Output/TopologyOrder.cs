namespace NodeAgent.Ctl.Output;

/// <summary>
/// patronictl's <c>topology_sort</c>: the leader first, then each replica under the member named in its
/// <c>replicatefrom</c> tag (or under the leader), indented with "+ " per level.
/// </summary>
internal static class TopologyOrder
{
    public static IEnumerable<(MemberSummary Member, string Name)> Sort(IReadOnlyList<MemberSummary> members)
    {
        var leader = members.FirstOrDefault(m => m.Role.EndsWith("leader", StringComparison.Ordinal));
        var replicas = members.Where(m => !m.Role.EndsWith("leader", StringComparison.Ordinal)).Select(m => m.Name).ToHashSet(StringComparer.Ordinal);
        var children = new Dictionary<string, List<MemberSummary>>(StringComparer.Ordinal);
        foreach (var m in members.Where(m => !m.Role.EndsWith("leader", StringComparison.Ordinal)))
        {
            var parent = m.Tags is not null && m.Tags.TryGetValue("replicatefrom", out var p) ? p?.ToString() : null;
            parent = !string.IsNullOrEmpty(parent) && parent != m.Name && replicas.Contains(parent) ? parent : leader?.Name ?? "";
            if (!children.TryGetValue(parent, out var list))
            {
                children[parent] = list = [];
            }

            list.Add(m);
        }

        var result = new List<(MemberSummary, string)>();
        if (leader is not null)
        {
            result.Add((leader, leader.Name));
        }

        Walk(leader?.Name ?? "", 1, children, result);
        return result;
    }

    private static void Walk(string parent, int level, Dictionary<string, List<MemberSummary>> children, List<(MemberSummary, string)> result)
    {
        if (!children.TryGetValue(parent, out var list))
        {
            return;
        }

        foreach (var m in list)
        {
            result.Add((m, new string(' ', (level - 1) * 2) + "+ " + m.Name));
            if (level < 64)
            {
                Walk(m.Name, level + 1, children, result);
            }
        }
    }
}
