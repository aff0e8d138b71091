namespace NodeAgent.Cluster;

/// <summary>One row of the <c>history</c> key: <c>[timeline, switch_lsn, reason, timestamp, new_leader]</c>.</summary>
public sealed record TimelineHistoryEntry(int Timeline, ulong SwitchLsn, string Reason, string? Timestamp, string? NewLeader);
