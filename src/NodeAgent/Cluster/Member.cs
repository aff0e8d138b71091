namespace NodeAgent.Cluster;

/// <summary>A member key as read from the DCS: its name, value and etcd bookkeeping.</summary>
public sealed record Member(string Name, MemberData Data, long ModRevision, long Lease);
