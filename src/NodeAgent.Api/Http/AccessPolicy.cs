using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using NodeAgent.Api.Status;

namespace NodeAgent.Api.Http;

/// <summary>
/// Patroni's <c>check_access</c> for unsafe methods, in its order: allowlist (403), client
/// certificate (403), Basic auth (401 with the Patroni realm).
/// </summary>
internal sealed class AccessPolicy
{
    private readonly IPNetwork[] _allowlist;
    private readonly bool _includeMembers;
    private readonly bool _requireClientCertificate;
    private readonly byte[]? _expectedAuthorization;

    public AccessPolicy(RestApiOptions options)
    {
        _allowlist = (options.Allowlist ?? []).SelectMany(ToNetworks).ToArray();
        _includeMembers = options.AllowlistIncludeMembers;
        _requireClientCertificate = options.Tls?.VerifyClient is ClientCertificateVerification.Optional or ClientCertificateVerification.Required;
        if (options.Authentication is { } auth)
        {
            var token = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{auth.Username}:{auth.Password}"));
            _expectedAuthorization = Encoding.UTF8.GetBytes("Basic " + token);
        }
    }

    /// <summary>Null when access is granted, else the response to send.</summary>
    public PlainResponse? Check(HttpContext context, StatusSnapshot snapshot)
    {
        if ((_allowlist.Length > 0 || _includeMembers) && !IsAllowed(context.Connection.RemoteIpAddress, snapshot))
        {
            return new PlainResponse(403, "Access is denied");
        }

        if (_requireClientCertificate && context.Connection.ClientCertificate is null)
        {
            return new PlainResponse(403, "client certificate required");
        }

        if (_expectedAuthorization is null)
        {
            return null;
        }

        var header = context.Request.Headers.Authorization.ToString();
        if (header.Length == 0)
        {
            return PlainResponse.Unauthorized("no auth header received");
        }

        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(header), _expectedAuthorization)
            ? null
            : PlainResponse.Unauthorized("not authenticated");
    }

    private bool IsAllowed(IPAddress? remote, StatusSnapshot snapshot)
    {
        if (remote is null)
        {
            return false;
        }

        if (remote.IsIPv4MappedToIPv6)
        {
            remote = remote.MapToIPv4();
        }

        if (_allowlist.Any(n => n.Contains(remote)))
        {
            return true;
        }

        return _includeMembers && snapshot.MemberApiUrls.SelectMany(MemberNetworks).Any(n => n.Contains(remote));
    }

    private static IEnumerable<IPNetwork> MemberNetworks(string apiUrl) =>
        Uri.TryCreate(apiUrl, UriKind.Absolute, out var uri) ? ToNetworks(uri.IdnHost) : [];

    private static IEnumerable<IPNetwork> ToNetworks(string entry)
    {
        if (entry.Contains('/', StringComparison.Ordinal))
        {
            return IPNetwork.TryParse(entry, out var network) ? [network] : [];
        }

        try
        {
            var addresses = IPAddress.TryParse(entry, out var ip) ? [ip] : Dns.GetHostAddresses(entry);
            return addresses.Select(a => new IPNetwork(a, a.GetAddressBytes().Length * 8));
        }
        catch (System.Net.Sockets.SocketException)
        {
            // Patroni logs and skips a name that does not resolve.
            return [];
        }
    }
}
