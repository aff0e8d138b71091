using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Grpc.Net.Client;
using NodeAgent.Configuration;

namespace NodeAgent.Dcs.Etcd3;

/// <summary>
/// Builds one gRPC channel per etcd member, all over one HTTP/2 handler. No service config, hence no
/// gRPC-level retries: the pool decides when to retry and where. HTTP/2 pings detect a frozen member on
/// an idle stream.
/// </summary>
internal static class EtcdChannelFactory
{
    /// <summary>Endpoint URIs from <c>etcd3.hosts</c> ("h:p", "h", or "http(s)://h:p").</summary>
    public static IReadOnlyList<Uri> Endpoints(Etcd3Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var scheme = UseTls(config) ? "https" : "http";
        var result = new List<Uri>();
        foreach (var raw in config.Hosts)
        {
            var host = raw.Trim();
            if (host.Length == 0)
            {
                continue;
            }

            if (!host.Contains("://", StringComparison.Ordinal))
            {
                var hasPort = host.StartsWith('[') ? host.Contains("]:", StringComparison.Ordinal) : host.Contains(':', StringComparison.Ordinal);
                host = scheme + "://" + host + (hasPort ? string.Empty : ":" + config.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            result.Add(new Uri(host));
        }

        if (result.Count == 0)
        {
            throw new ArgumentException("etcd3.hosts lists no endpoint", nameof(config));
        }

        return result;
    }

    /// <summary>
    /// One HTTP/2 handler for all members: its connection pools are per member anyway, and each handler runs
    /// its own once-a-second heartbeat timer for the pings (an idle agent's main source of wake-ups).
    /// </summary>
    public static SocketsHttpHandler CreateHandler(Etcd3Config config, TimeSpan connectTimeout)
    {
        ArgumentNullException.ThrowIfNull(config);
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = connectTimeout,
            EnableMultipleHttp2Connections = true,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            // etcd's gRPC server closes a connection (GOAWAY ENHANCE_YOUR_CALM) that pings more often than its
            // --grpc-keepalive-min-time (5 s by default) without response data in between: an idle watch broke every
            // ~8 s. A frozen member is still left within each call's deadline; the ping only backs up the watch.
            KeepAlivePingDelay = TimeSpan.FromSeconds(6),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(3),
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always,
        };

        if (Endpoints(config).Any(e => e.Scheme == Uri.UriSchemeHttps))
        {
            handler.SslOptions = SslOptions(config);
        }

        return handler;
    }

    /// <summary>A channel to one member over the shared <paramref name="handler"/>, which the caller disposes.</summary>
    public static GrpcChannel Create(Uri endpoint, SocketsHttpHandler handler) =>
        GrpcChannel.ForAddress(endpoint, new GrpcChannelOptions
        {
            HttpHandler = handler,
            DisposeHttpClient = false,
            ServiceConfig = null,
        });

    private static bool UseTls(Etcd3Config config) =>
        string.Equals(config.Protocol, "https", StringComparison.OrdinalIgnoreCase) || config.CaCert is not null || config.Cert is not null;

    private static SslClientAuthenticationOptions SslOptions(Etcd3Config config)
    {
        var options = new SslClientAuthenticationOptions();
        if (config.Cert is not null)
        {
            // cert may hold the key too (Patroni allows a combined PEM).
            var certificate = X509Certificate2.CreateFromPemFile(config.Cert, config.Key ?? config.Cert);
            options.ClientCertificates = [certificate];
        }

        if (config.CaCert is not null)
        {
            var roots = new X509Certificate2Collection();
            roots.ImportFromPemFile(config.CaCert);
            options.RemoteCertificateValidationCallback = (_, cert, _, errors) => ValidateAgainst(roots, cert, errors);
        }

        return options;
    }

    /// <summary>Trust exactly the configured CA (as Patroni's <c>cacert</c>); the host name must still match.</summary>
    private static bool ValidateAgainst(X509Certificate2Collection roots, X509Certificate? cert, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None)
        {
            return true;
        }

        if (cert is null || (errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        using var leaf = new X509Certificate2(cert);
        return chain.Build(leaf);
    }
}
