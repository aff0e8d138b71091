namespace NodeAgent.Dcs.Etcd3;

/// <summary>One key under the cluster prefix as the cache holds it; <see cref="Name"/> is relative to the prefix.</summary>
internal sealed record StoredKey(string Name, string Value, long ModRevision, long Lease);
