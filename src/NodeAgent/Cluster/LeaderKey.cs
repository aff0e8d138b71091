namespace NodeAgent.Cluster;

/// <summary>The <c>leader</c> key: the lock holder's name, plus the revision needed to delete it with a compare.</summary>
public sealed record LeaderKey(string Name, long ModRevision, long Lease);
