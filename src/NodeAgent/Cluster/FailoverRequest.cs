namespace NodeAgent.Cluster;

/// <summary>The <c>failover</c> key: <c>{"leader":..,"member":..,"scheduled_at":..}</c>; an empty object means none.</summary>
public sealed record FailoverRequest(string? Leader, string? Candidate, DateTimeOffset? ScheduledAt, long ModRevision)
{
    public bool IsEmpty => Leader is null && Candidate is null;
}
