using System.Text.Json.Nodes;
using NodeAgent.Cluster;

namespace NodeAgent.Dcs.Etcd3;

/// <summary>
/// Turns the keys under the prefix into a <see cref="ClusterView"/>, the way
/// <c>Etcd3._cluster_from_nodes</c> does. Pure: no I/O, no clock.
/// </summary>
internal static class ClusterViewBuilder
{
    /// <param name="keys">Keys by name relative to the prefix (e.g. "leader", "members/pg1").</param>
    /// <param name="revision">The etcd revision the keys are consistent at.</param>
    public static ClusterView Build(IReadOnlyDictionary<string, StoredKey> keys, long revision)
    {
        ArgumentNullException.ThrowIfNull(keys);

        var members = new List<Member>();
        foreach (var (name, kv) in keys)
        {
            if (KeyLayout.MemberNameOf(name) is { } memberName)
            {
                members.Add(new Member(memberName, MemberDataCodec.Decode(kv.Value), kv.ModRevision, kv.Lease));
            }
        }

        members.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));

        keys.TryGetValue(KeyLayout.ConfigName, out var config);
        keys.TryGetValue(KeyLayout.LeaderName, out var leader);
        keys.TryGetValue(KeyLayout.FailoverName, out var failover);
        keys.TryGetValue(KeyLayout.HistoryName, out var history);
        keys.TryGetValue(KeyLayout.StatusName, out var status);
        keys.TryGetValue(KeyLayout.LeaderOptimeName, out var legacyOptime);
        keys.TryGetValue(KeyLayout.SyncName, out var sync);
        keys.TryGetValue(KeyLayout.FailsafeName, out var failsafe);
        keys.TryGetValue(KeyLayout.InitializeName, out var initialize);

        return new ClusterView
        {
            Initialize = initialize?.Value,
            Config = config is null ? null : JsonParsing.TryParseObject(config.Value) ?? [],
            ConfigModRevision = config?.ModRevision ?? 0,
            Leader = leader is null ? null : new LeaderKey(leader.Value, leader.ModRevision, leader.Lease),
            Members = members,
            Failover = failover is null ? null : FailoverCodec.Decode(failover.Value, failover.ModRevision),
            History = history is null ? [] : HistoryCodec.Decode(history.Value),
            LastLsn = StatusCodec.LastLsn(status?.Value, legacyOptime?.Value),
            Sync = sync is null ? SyncState.Empty : SyncStateCodec.Decode(sync.Value, sync.ModRevision),
            Failsafe = failsafe is null ? null : SyncStateCodec.DecodeFailsafe(failsafe.Value),
            Revision = revision,
        };
    }
}
