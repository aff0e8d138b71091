using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace NodeAgent.Api.Hosting;

/// <summary>restapi TLS: PEM certificate and key, optional client verification against restapi.cafile.</summary>
internal static class TlsSetup
{
    public static HttpsConnectionAdapterOptions Create(RestApiTlsOptions tls)
    {
        var certificate = tls.KeyFilePassword is { } password
            ? X509Certificate2.CreateFromEncryptedPemFile(tls.CertFile, password, tls.KeyFile)
            : X509Certificate2.CreateFromPemFile(tls.CertFile, tls.KeyFile);
        var options = new HttpsConnectionAdapterOptions
        {
            ServerCertificate = certificate,
            ClientCertificateMode = tls.VerifyClient switch
            {
                ClientCertificateVerification.Required => ClientCertificateMode.RequireCertificate,
                ClientCertificateVerification.Optional => ClientCertificateMode.AllowCertificate,
                _ => ClientCertificateMode.NoCertificate,
            },
        };

        if (tls.CaFile is { } caFile)
        {
            var authorities = new X509Certificate2Collection();
            authorities.ImportFromPemFile(caFile);
            options.ClientCertificateValidation = (clientCertificate, _, _) => IsIssuedBy(clientCertificate, authorities);
        }

        return options;
    }

    private static bool IsIssuedBy(X509Certificate2 certificate, X509Certificate2Collection authorities)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }
}
