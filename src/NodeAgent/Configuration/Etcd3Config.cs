namespace NodeAgent.Configuration;

public sealed record Etcd3Config
{
    /// <summary>Endpoints as host:port, from host / hosts / url / proxy (srv is resolved at start).</summary>
    public IReadOnlyList<string> Hosts { get; init; } = [];
    public int Port { get; init; } = 2379;
    /// <summary>As written, when the endpoint came from <c>url</c> or <c>proxy</c>.</summary>
    public string? Url { get; init; }
    /// <summary>http | https.</summary>
    public string Protocol { get; init; } = "http";
    public bool UseProxies { get; init; }
    public string? Srv { get; init; }
    public string? SrvSuffix { get; init; }
    public string? Username { get; init; }
    public string? Password { get; init; }
    public string? CaCert { get; init; }
    public string? Cert { get; init; }
    public string? Key { get; init; }
}
