using NodeAgent.IntegrationTests.Fixtures;

namespace NodeAgent.IntegrationTests.Chaos;

/// <summary>
/// One run of tests/NodeAgent.ChaosClient inside the client's namespace, writing under one tag; its ack
/// log is read back with <see cref="WriteLog"/>.
/// </summary>
public sealed class ChaosClientRun : IAsyncDisposable
{
    private readonly ChildProcess _process;

    private ChaosClientRun(string tag, string logPath, ChildProcess process)
    {
        Tag = tag;
        AckLogPath = logPath;
        _process = process;
    }

    public string Tag { get; }

    public string AckLogPath { get; }

    /// <summary>NodeAgent.ChaosClient.dll, built next to this project (same configuration) by the project reference.</summary>
    public static string ClientDll
    {
        get
        {
            // .../tests/NodeAgent.IntegrationTests/bin/<Configuration>/net10.0/
            var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/'));
            var configuration = output.Parent!.Name;
            var tests = output.Parent.Parent!.Parent!.Parent!.FullName;
            var dll = Path.Combine(tests, "NodeAgent.ChaosClient", "bin", configuration, output.Name, "NodeAgent.ChaosClient.dll");
            return RequiredBinary.Require(dll, "(build tests/NodeAgent.ChaosClient)");
        }
    }

    public static ChaosClientRun Start(NetnsHost host, ChaosHaproxy haproxy, IReadOnlyList<ChaosNode> nodes, string tag, string root)
    {
        var logPath = Path.Combine(root, $"acks-{tag}.log");
        File.WriteAllText(logPath, "");
        List<string> args =
        [
            ClientDll,
            "--tag", tag,
            "--log", logPath,
            "--password", ChaosNode.Password,
            "--haproxy", $"{haproxy.Host.Address}:{ChaosHaproxy.PrimaryPort}",
        ];
        foreach (var node in nodes)
        {
            args.AddRange(["--node", $"{node.Name}={node.Address}:{ChaosNode.PostgresPort}"]);
        }
        var process = host.Start(DotnetHost.Path, args, Path.Combine(root, $"client-{tag}.out"));
        return new ChaosClientRun(tag, logPath, process);
    }

    /// <summary>
    /// A writer inside <paramref name="node"/>'s own namespace writing to its postgres over the unix socket: it
    /// sees what the node acknowledges when HAProxy and the lab network cannot reach it.
    /// </summary>
    public static ChaosClientRun StartLocal(ChaosNode node, string tag, string root)
    {
        var logPath = Path.Combine(root, $"acks-{tag}-local-{node.Name}.log");
        File.WriteAllText(logPath, "");
        List<string> args = [ClientDll, "--tag", tag, "--log", logPath, "--password", ChaosNode.Password, "--local", $"{node.Name}={node.SocketDir}"];
        return new ChaosClientRun(tag, logPath, node.Host.Start(DotnetHost.Path, args, Path.Combine(root, $"client-{tag}-local.out")));
    }

    public WriteLog Read() => WriteLog.Parse(AckLogPath, Tag);

    public bool HasExited => _process.HasExited;

    /// <summary>SIGTERM and wait: the client stops between writes.</summary>
    public async Task StopAsync() => await _process.StopAsync(TimeSpan.FromSeconds(10));

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _process.DisposeAsync();
    }
}
