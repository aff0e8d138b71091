using System.Globalization;

namespace NodeAgent.ChaosClient;

/// <summary>One database node written to directly: its name and "host:port".</summary>
internal sealed record DirectTarget(string Name, string Host, int Port);

/// <summary>
/// Command line: <c>--tag T --log FILE --password P [--haproxy HOST:PORT] [--node NAME=HOST:PORT ...]
/// [--local NAME=SOCKET_DIR] [--haproxy-interval-ms 20] [--direct-interval-ms 100]</c>. <c>--local</c> writes
/// to a node's postgres over its unix socket, from inside the node's own namespace, at the HAProxy interval.
/// </summary>
internal sealed record ClientOptions(
    string Tag,
    string LogPath,
    string Password,
    string? HaproxyHost,
    int HaproxyPort,
    IReadOnlyList<DirectTarget> Nodes,
    DirectTarget? Local,
    int HaproxyIntervalMs,
    int DirectIntervalMs)
{
    public static ClientOptions Parse(IReadOnlyList<string> args)
    {
        string? tag = null, log = null, password = null, haproxy = null;
        int haproxyInterval = 20, directInterval = 100;
        var nodes = new List<DirectTarget>();
        DirectTarget? local = null;
        for (var i = 0; i < args.Count; i++)
        {
            var value = i + 1 < args.Count ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--tag": tag = value; break;
                case "--log": log = value; break;
                case "--password": password = value; break;
                case "--haproxy": haproxy = value; break;
                case "--haproxy-interval-ms": haproxyInterval = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--direct-interval-ms": directInterval = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--node":
                    var (name, endpoint) = Split(value, '=');
                    var (host, port) = Split(endpoint, ':');
                    nodes.Add(new DirectTarget(name, host, int.Parse(port, CultureInfo.InvariantCulture)));
                    break;
                case "--local":
                    var (localName, socketDir) = Split(value, '=');
                    local = new DirectTarget(localName, socketDir, 5432);
                    break;
                default: throw new ArgumentException($"unknown option {args[i]}");
            }
            i++;
        }
        string? haproxyHost = null;
        var haproxyPort = "0";
        if (haproxy is not null)
        {
            (haproxyHost, haproxyPort) = Split(haproxy, ':');
        }
        return new ClientOptions(
            tag ?? throw new ArgumentException("--tag is required"),
            log ?? throw new ArgumentException("--log is required"),
            password ?? throw new ArgumentException("--password is required"),
            haproxyHost,
            int.Parse(haproxyPort, CultureInfo.InvariantCulture),
            nodes,
            local,
            haproxyInterval,
            directInterval);
    }

    private static (string, string) Split(string text, char separator)
    {
        var at = text.LastIndexOf(separator);
        return at <= 0 ? throw new ArgumentException($"'{text}' has no '{separator}'") : (text[..at], text[(at + 1)..]);
    }
}
