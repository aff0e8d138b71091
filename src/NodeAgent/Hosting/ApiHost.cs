using Microsoft.Extensions.Logging;
using NodeAgent.Api;
using NodeAgent.Api.Commands;
using NodeAgent.Api.Status;
using NodeAgent.Configuration;

namespace NodeAgent.Hosting;

/// <summary>Maps the agent's <c>restapi</c> section onto NodeAgent.Api's server and owns its lifetime.</summary>
internal sealed class ApiHost(AgentConfig config, StatusBoard board, IApiCommandSink sink, TimeProvider time, ILoggerFactory loggers)
    : IAsyncDisposable
{
    private RestApiServer? _server;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _server = new RestApiServer(Options(config.RestApi), board, sink, time, loggers);
        await _server.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync().ConfigureAwait(false);
        }
    }

    internal static RestApiOptions Options(RestApiConfig api)
    {
        var tls = api.CertFile is { } cert
            ? new RestApiTlsOptions(cert, api.KeyFile, api.KeyFilePassword, api.CaFile, api.VerifyClient?.ToLowerInvariant() switch
            {
                "optional" => ClientCertificateVerification.Optional,
                "required" => ClientCertificateVerification.Required,
                _ => ClientCertificateVerification.None,
            })
            : null;
        var grpc = api.GrpcPort is { } port ? $"{HostOf(api.Listen)}:{port}" : null;
        return new RestApiOptions(
            api.Listen,
            api.Authentication is { } auth ? new RestApiAuthentication(auth.Username, auth.Password) : null,
            tls,
            api.Allowlist,
            api.AllowlistIncludeMembers,
            grpc);
    }

    private static string HostOf(string listen)
    {
        var colon = listen.LastIndexOf(':');
        return colon > 0 ? listen[..colon] : listen;
    }
}
