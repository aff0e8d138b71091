namespace NodeAgent.Configuration;

public sealed record CtlConfig
{
    public bool Insecure { get; init; }
    public string? CaCert { get; init; }
    public string? CertFile { get; init; }
    public string? KeyFile { get; init; }
    public string? KeyFilePassword { get; init; }
    public BasicAuth? Authentication { get; init; }
}
