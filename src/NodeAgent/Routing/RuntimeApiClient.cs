using System.Net;
using System.Net.Sockets;
using System.Text;

namespace NodeAgent.Routing;

/// <summary>
/// HAProxy's runtime API in its non-interactive mode: connect, send one command line, read until HAProxy closes.
/// A unix socket for an absolute path, TCP for host:port.
/// </summary>
public sealed class RuntimeApiClient : IRuntimeApi
{
    /// <summary>Answers of a push are a few lines; more is not HAProxy's runtime API.</summary>
    private const int MaxAnswerBytes = 1 << 20;

    public async Task<string> SendAsync(string address, string command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(address);
        ArgumentNullException.ThrowIfNull(command);
        var (endpoint, family, protocol) = Endpoint(address);
        using var socket = new Socket(family, SocketType.Stream, protocol);
        try
        {
            await socket.ConnectAsync(endpoint, cancellationToken).ConfigureAwait(false);
            await socket.SendAsync(Encoding.ASCII.GetBytes(command + "\n"), cancellationToken).ConfigureAwait(false);
            var answer = new MemoryStream();
            var buffer = new byte[4096];
            int read;
            while ((read = await socket.ReceiveAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                answer.Write(buffer, 0, read);
                if (answer.Length > MaxAnswerBytes)
                {
                    throw new RuntimeApiException($"'{command}' answered more than {MaxAnswerBytes} bytes");
                }
            }

            return Encoding.ASCII.GetString(answer.GetBuffer(), 0, (int)answer.Length);
        }
        catch (SocketException e)
        {
            throw new RuntimeApiException($"cannot be reached: {e.Message}");
        }
    }

    private static (EndPoint Endpoint, AddressFamily Family, ProtocolType Protocol) Endpoint(string address)
    {
        if (address.StartsWith('/'))
        {
            return (new UnixDomainSocketEndPoint(address), AddressFamily.Unix, ProtocolType.Unspecified);
        }

        var colon = address.LastIndexOf(':');
        var host = address[..colon].Trim('[', ']');
        var port = int.Parse(address[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        EndPoint endpoint = IPAddress.TryParse(host, out var ip) ? new IPEndPoint(ip, port) : new DnsEndPoint(host, port);
        return (endpoint, endpoint is IPEndPoint { AddressFamily: AddressFamily.InterNetworkV6 } ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork,
            ProtocolType.Tcp);
    }
}
