namespace NodeAgent.Postgres.Relay;

/// <summary>The new primary a held-off node relays its clients to: the member's name and its postgres address.</summary>
public sealed record RelayTarget(string Member, string Host, int Port);
