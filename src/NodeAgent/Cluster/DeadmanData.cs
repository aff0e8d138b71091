namespace NodeAgent.Cluster;

/// <summary>
/// A member's watchdog or fence as written into its member key (NodeAgent only; Patroni writes none), so
/// `agentctl list -e` can show it without calling every member. Only what changes on arm/disarm is kept here:
/// the last keepalive would rewrite the key every cycle; /patroni and /metrics carry it.
/// </summary>
public sealed record DeadmanData(string Mode, bool Armed, int? TimeoutSeconds, bool Failed, string? Device);
