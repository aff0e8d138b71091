namespace NodeAgent.Api;

/// <summary>
/// How the REST API listens and whom it lets change things; the agent maps its <c>restapi</c> config here.
/// </summary>
/// <param name="Listen">"host:port" as in restapi.listen, e.g. "0.0.0.0:8008"; port 0 picks a free port.</param>
/// <param name="Authentication">Basic auth required for unsafe methods (POST, PUT, PATCH, DELETE).</param>
/// <param name="Allowlist">IPs, CIDRs or host names allowed to call unsafe methods; empty allows all.</param>
/// <param name="AllowlistIncludeMembers">Also allow the hosts of the members' api_url.</param>
/// <param name="GrpcListen">"host:port" of the optional gRPC health endpoint (HTTP/2 cleartext).</param>
public sealed record RestApiOptions(
    string Listen,
    RestApiAuthentication? Authentication = null,
    RestApiTlsOptions? Tls = null,
    IReadOnlyList<string>? Allowlist = null,
    bool AllowlistIncludeMembers = false,
    string? GrpcListen = null);

public sealed record RestApiAuthentication(string Username, string Password);

/// <summary>restapi.certfile/keyfile/keyfile_password/cafile/verify_client (none, optional, required).</summary>
public sealed record RestApiTlsOptions(
    string CertFile,
    string? KeyFile = null,
    string? KeyFilePassword = null,
    string? CaFile = null,
    ClientCertificateVerification VerifyClient = ClientCertificateVerification.None);

public enum ClientCertificateVerification
{
    None,
    Optional,
    Required,
}
