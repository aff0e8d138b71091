using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using NodeAgent.Cluster;
using NodeAgent.Configuration;

namespace NodeAgent.Ctl.Rest;

/// <summary>
/// Patroni's <c>PatroniRequest</c> for agentctl: Basic auth from <c>ctl.authentication</c> (else
/// <c>restapi.authentication</c>), TLS from <c>ctl.cacert/certfile/keyfile</c>, <c>ctl.insecure</c> or <c>-k</c>
/// to skip verification.
/// </summary>
internal sealed class MemberApiClient : IMemberApi, IDisposable
{
    private readonly HttpClient _http;
    private readonly AuthenticationHeaderValue? _auth;

    public MemberApiClient(AgentConfig config, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(config);
        var handler = new SocketsHttpHandler { SslOptions = SslOptions(config.Ctl) };
        _http = new HttpClient(handler) { Timeout = timeout };
        var credentials = config.Ctl.Authentication ?? config.RestApi.Authentication;
        if (credentials is not null)
        {
            var token = Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials.Username + ":" + credentials.Password));
            _auth = new AuthenticationHeaderValue("Basic", token);
        }
    }

    public async Task<RestResponse> RequestAsync(Member member, HttpMethod method, string endpoint, JsonNode? body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(member);
        using var request = new HttpRequestMessage(method, EndpointUri(member.Data.ApiUrl, endpoint));
        request.Headers.Authorization = _auth;
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }

        using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        return new RestResponse((int)response.StatusCode, text);
    }

    /// <summary>Keeps scheme and host:port of the api_url and replaces the path (…/patroni → /switchover).</summary>
    public static Uri EndpointUri(string apiUrl, string endpoint)
    {
        var api = new Uri(apiUrl);
        return new Uri(api.GetLeftPart(UriPartial.Authority) + "/" + endpoint.TrimStart('/'));
    }

    private static SslClientAuthenticationOptions SslOptions(CtlConfig ctl)
    {
        var options = new SslClientAuthenticationOptions();
        if (ctl.Insecure)
        {
            // -k / ctl.insecure: the operator asked explicitly to skip certificate checks, as patronictl does.
#pragma warning disable CA5359
            options.RemoteCertificateValidationCallback = static (_, _, _, _) => true;
#pragma warning restore CA5359
        }
        else if (ctl.CaCert is { } caFile)
        {
            var roots = new X509Certificate2Collection();
            roots.ImportFromPemFile(caFile);
            options.RemoteCertificateValidationCallback = (_, cert, _, errors) => ValidateAgainst(roots, cert, errors);
        }

        if (ctl.CertFile is { } certFile)
        {
            var cert = ctl.KeyFilePassword is { } password
                ? X509Certificate2.CreateFromEncryptedPemFile(certFile, password, ctl.KeyFile)
                : X509Certificate2.CreateFromPemFile(certFile, ctl.KeyFile);
            options.ClientCertificates = [cert];
        }

        return options;
    }

    private static bool ValidateAgainst(X509Certificate2Collection roots, X509Certificate? cert, SslPolicyErrors errors)
    {
        if (cert is null)
        {
            return false;
        }

        if ((errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = new X509Certificate2(cert);
        return chain.Build(leaf);
    }

    public void Dispose() => _http.Dispose();
}
