using NodeAgent.IntegrationTests.Fixtures;

namespace NodeAgent.IntegrationTests.Chaos;

/// <summary>
/// HAProxy on its own lab host with the seed config (primary on 5432, replicas on 5433, stats on 7000),
/// health checks every 1 s instead of the seed's 3 s to match the fast profile (fall 3, rise 2 kept). Its runtime API
/// listens on the host's address (<see cref="RuntimeApiPort"/>, <c>level admin</c>) as packaging/haproxy/haproxy.cfg has it,
/// so agents in other namespaces can push routing to it when a scenario turns <c>haproxy_runtime</c> on; nobody talks to
/// it otherwise.
/// </summary>
public sealed class ChaosHaproxy : IAsyncDisposable
{
    public const int PrimaryPort = 5432;
    public const string CheckInterval = "1s";
    public const int RuntimeApiPort = 9999;
    private readonly ChildProcess _process;

    private ChaosHaproxy(NetnsHost host, ChildProcess process)
    {
        Host = host;
        _process = process;
    }

    public NetnsHost Host { get; }

    public string LogPath => _process.LogPath;

    /// <summary>host:port of the runtime API, as an agent's <c>haproxy_runtime.address</c>.</summary>
    public string RuntimeApiAddress => $"{Host.Address}:{RuntimeApiPort}";

    public static async Task<ChaosHaproxy> StartAsync(NetnsHost host, IReadOnlyList<ChaosNode> nodes, string root, CancellationToken cancellationToken = default)
    {
        var haproxy = RequiredBinary.RequireHaproxy();
        var config = SeedHaproxyConfig.Render(
            host.Address, PrimaryPort, 5433, 7000,
            nodes.Select(n => new HaproxyNode(n.Name, n.Address, ChaosNode.PostgresPort, ChaosNode.RestApiPort)).ToList(),
            CheckInterval);
        config = WithRuntimeApi(config, host.Address);
        var path = Path.Combine(root, "haproxy.cfg");
        await File.WriteAllTextAsync(path, config, cancellationToken);
        await CommandRunner.RunAsync(haproxy, ["-c", "-q", "-f", path], null, cancellationToken);
        return new ChaosHaproxy(host, host.Start(haproxy, ["-db", "-f", path], Path.Combine(root, "haproxy.log")));
    }

    private static string WithRuntimeApi(string config, string address)
    {
        var lines = config.Split('\n').ToList();
        var global = lines.FindIndex(l => l.TrimEnd() == "global");
        if (global < 0)
        {
            throw new InvalidOperationException("the seed HAProxy config has no global section");
        }
        lines.Insert(global + 1, $"    stats socket ipv4@{address}:{RuntimeApiPort} level admin");
        return string.Join('\n', lines);
    }

    public bool HasExited => _process.HasExited;

    public async ValueTask DisposeAsync()
    {
        await _process.StopAsync(TimeSpan.FromSeconds(5));
        await _process.DisposeAsync();
    }
}
