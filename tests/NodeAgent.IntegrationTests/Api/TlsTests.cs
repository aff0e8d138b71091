using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using NodeAgent.Api;

namespace NodeAgent.IntegrationTests.Api;

/// <summary>restapi.certfile/keyfile/cafile with verify_client optional: GETs open, unsafe methods need a client certificate.</summary>
public sealed class TlsTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("nodeagent-tls-").FullName;

    [Fact]
    public async Task Https_with_optional_client_certificates()
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=NodeAgent Test CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.DigitalSignature, true));
        using var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        using var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var server = Issue(ca, "CN=127.0.87.71", serverKey, 1);
        using var clientKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var client = Issue(ca, "CN=patronictl", clientKey, 2).CopyWithPrivateKey(clientKey);
        var caFile = Write("ca.pem", ca.ExportCertificatePem());
        var certFile = Write("server.pem", server.ExportCertificatePem());
        var keyFile = Write("server.key", serverKey.ExportPkcs8PrivateKeyPem());

        await using var api = await ApiServerHarness.StartAsync("127.0.87.71", ApiSnapshots.Leader(),
            o => o with { Tls = new RestApiTlsOptions(certFile, keyFile, CaFile: caFile, VerifyClient: ClientCertificateVerification.Optional) });
        var baseAddress = new Uri($"https://{api.Endpoint}");
        using var anonymous = new HttpClient(Handler(ca, null)) { BaseAddress = baseAddress };
        using var withCertificate = new HttpClient(Handler(ca, client)) { BaseAddress = baseAddress };

        using var patroni = await anonymous.GetAsync(new Uri("/patroni", UriKind.Relative));
        using var refused = await anonymous.PostAsync(new Uri("/reload", UriKind.Relative), null);
        using var accepted = await withCertificate.PostAsync(new Uri("/reload", UriKind.Relative), null);

        Assert.Equal(HttpStatusCode.OK, patroni.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("client certificate required", await refused.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static X509Certificate2 Issue(X509Certificate2 ca, string subject, ECDsa key, byte serial)
    {
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Parse("127.0.87.71"));
        request.CertificateExtensions.Add(san.Build());
        return request.Create(ca, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(12), [serial]);
    }

    private static SocketsHttpHandler Handler(X509Certificate2 ca, X509Certificate2? clientCertificate)
    {
        var handler = new SocketsHttpHandler();
        // The test CA is not in the system store: trust exactly it.
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) => IssuedBy(ca, certificate);
        if (clientCertificate is not null)
        {
            handler.SslOptions.ClientCertificates = [clientCertificate];
        }

        return handler;
    }

    private static bool IssuedBy(X509Certificate2 ca, X509Certificate? certificate)
    {
        if (certificate is not X509Certificate2 leaf)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(leaf);
    }

    private string Write(string name, string pem)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, pem);
        return path;
    }
}
