namespace NodeAgent.Api.Commands;

public enum SwitchoverKind
{
    Switchover,
    Failover,
}

/// <summary>A validated POST /switchover or /failover. <see cref="Candidate"/> also accepts Patroni's "member" alias.</summary>
public sealed record SwitchoverCommand(SwitchoverKind Kind, string? Leader, string? Candidate, DateTimeOffset? ScheduledAt);
