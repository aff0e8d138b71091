namespace NodeAgent.Api.Commands;

/// <summary>
/// A validated POST /restart. Filters: restart only if a restart is pending, if the role matches
/// ("master", "primary" or "replica"), if the running version is older than <see cref="PostgresVersion"/>.
/// </summary>
public sealed record RestartCommand(
    bool? RestartPending,
    string? Role,
    string? PostgresVersion,
    int? TimeoutSeconds,
    DateTimeOffset? Schedule);
