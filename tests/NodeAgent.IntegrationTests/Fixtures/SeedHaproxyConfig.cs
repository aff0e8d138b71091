using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace NodeAgent.IntegrationTests.Fixtures;

/// <summary>One database node as HAProxy sees it: postgres on Address:PostgresPort, REST API on Address:RestApiPort.</summary>
public sealed record HaproxyNode(string Name, string Address, int PostgresPort, int RestApiPort);

/// <summary>
/// The production HAProxy config (a copy of shared/seed/haproxy.cfg embedded in this assembly) with
/// its 192.168 addresses replaced by loopback ones, so routing tests exercise the real check rules.
/// </summary>
public static partial class SeedHaproxyConfig
{
    /// <summary>The seed config text, unchanged.</summary>
    public static string LoadSeed()
    {
        using var stream = typeof(SeedHaproxyConfig).Assembly.GetManifestResourceStream("seed-haproxy.cfg")
            ?? throw new InvalidOperationException("embedded resource seed-haproxy.cfg missing");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>
    /// Renders the seed: "listen stats/primary/replica" bind to <paramref name="bindAddress"/> on the given
    /// ports, each listen section's servers become <paramref name="nodes"/> (keeping the seed's server
    /// options, with "check port" set to the node's REST port). <paramref name="checkInterval"/>, if given,
    /// replaces the seed's "inter 3s" so tests need not wait 9 s for a server to go down.
    /// </summary>
    public static string Render(
        string bindAddress,
        int primaryPort,
        int replicaPort,
        int statsPort,
        IReadOnlyList<HaproxyNode> nodes,
        string? checkInterval = null)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        var ports = new Dictionary<string, int>(StringComparer.Ordinal)
        {
            ["stats"] = statsPort,
            ["primary"] = primaryPort,
            ["replica"] = replicaPort,
        };
        var output = new StringBuilder();
        string? section = null;
        foreach (var raw in LoadSeed().Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n'))
        {
            var line = raw.TrimEnd();
            var trimmed = line.Trim();
            if (line.Length > 0 && !char.IsWhiteSpace(line[0]))
            {
                var words = trimmed.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                section = words[0] == "listen" && words.Length > 1 ? words[1] : null;
                output.Append(line).Append('\n');
            }
            else if (section is not null && trimmed.StartsWith("bind ", StringComparison.Ordinal))
            {
                var port = ports.TryGetValue(section, out var p) ? p : throw new InvalidOperationException($"no port for listen {section}");
                output.Append(CultureInfo.InvariantCulture, $"    bind {bindAddress}:{port}\n");
            }
            else if (trimmed.StartsWith("server ", StringComparison.Ordinal))
            {
                // The seed repeats one server line per node; emit ours once, at the first one.
                if (raw.Contains(" u4 ", StringComparison.Ordinal))
                {
                    var options = trimmed.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(3).ToArray();
                    foreach (var node in nodes)
                    {
                        output.Append(CultureInfo.InvariantCulture, $"    server {node.Name} {node.Address}:{node.PostgresPort} {WithCheckPort(options, node.RestApiPort)}\n");
                    }
                }
            }
            else if (checkInterval is not null && trimmed.StartsWith("default-server ", StringComparison.Ordinal))
            {
                output.Append(InterRegex().Replace(line, $"inter {checkInterval}")).Append('\n');
            }
            else
            {
                output.Append(line).Append('\n');
            }
        }
        return output.ToString();
    }

    private static string WithCheckPort(string[] options, int restApiPort)
    {
        var copy = (string[])options.Clone();
        var portIndex = Array.IndexOf(copy, "port");
        if (portIndex < 0 || portIndex + 1 >= copy.Length)
        {
            throw new InvalidOperationException("seed server line has no 'check port N'");
        }
        copy[portIndex + 1] = restApiPort.ToString(CultureInfo.InvariantCulture);
        return string.Join(' ', copy);
    }

    [GeneratedRegex(@"inter \S+")]
    private static partial Regex InterRegex();
}
