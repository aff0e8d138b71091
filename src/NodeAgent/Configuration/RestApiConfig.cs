namespace NodeAgent.Configuration;

public sealed record RestApiConfig
{
    /// <summary>host:port to bind; Patroni's default port is 8008.</summary>
    public string Listen { get; init; } = "0.0.0.0:8008";
    public string? ConnectAddress { get; init; }
    public BasicAuth? Authentication { get; init; }
    public string? CertFile { get; init; }
    public string? KeyFile { get; init; }
    public string? KeyFilePassword { get; init; }
    public string? CaFile { get; init; }
    public string? Ciphers { get; init; }
    /// <summary>none | optional | required.</summary>
    public string? VerifyClient { get; init; }
    public IReadOnlyList<string> Allowlist { get; init; } = [];
    public bool AllowlistIncludeMembers { get; init; }
    public IReadOnlyDictionary<string, string> HttpExtraHeaders { get; init; } = new Dictionary<string, string>();
    public IReadOnlyDictionary<string, string> HttpsExtraHeaders { get; init; } = new Dictionary<string, string>();
    /// <summary>Patroni 3.1+; accepted for forward compatibility.</summary>
    public int RequestQueueSize { get; init; } = 5;
    /// <summary>NodeAgent extension: optional port for the grpc.health.v1 service.</summary>
    public int? GrpcPort { get; init; }
}

public sealed record BasicAuth(string Username, string Password);
