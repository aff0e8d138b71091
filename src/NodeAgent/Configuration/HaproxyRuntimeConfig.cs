namespace NodeAgent.Configuration;

/// <summary>
/// NodeAgent extension (<c>haproxy_runtime:</c>, no Patroni equivalent): HAProxy's runtime API, through which the lock
/// holder sets the server states of the primary and replica backends at promotion and demotion instead of waiting for
/// HAProxy's health checks. Absent (no address): nothing is pushed and routing is left to the health checks alone.
/// </summary>
public sealed record HaproxyRuntimeConfig
{
    /// <summary>Each HAProxy's stats socket at admin level: a unix socket path (absolute) or host:port; empty: off.</summary>
    public IReadOnlyList<string> Addresses { get; init; } = [];

    /// <summary>The backend (or listen section) behind the write port; the seed's haproxy.cfg calls it <c>primary</c>.</summary>
    public string PrimaryBackend { get; init; } = "primary";

    /// <summary>The backend behind the read-only port (seed: <c>replica</c>); empty: not touched.</summary>
    public string ReplicaBackend { get; init; } = "replica";

    /// <summary>This node's server name in both backends; null: the member name (the seed names servers u4, u5, u6).</summary>
    public string? Server { get; init; }

    /// <summary>Seconds one push to one HAProxy may take, all its commands included.</summary>
    public double Timeout { get; init; } = 1;

    public bool Enabled => Addresses.Count > 0;

    public string ServerName(string memberName) => string.IsNullOrEmpty(Server) ? memberName : Server;
}
