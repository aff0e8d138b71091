using NodeAgent.IntegrationTests.Cluster;
using NodeAgent.IntegrationTests.Fixtures;

namespace NodeAgent.IntegrationTests.Interop;

/// <summary>
/// The migration's step on one node: NodeAgent replaces Patroni on the same config file and data dir. It runs as user
/// postgres, as the packaged unit runs it; the Patroni config sets no <c>log.dir</c>, so its log is its standard output.
/// </summary>
public sealed partial class PatroniNode
{
    private ChildProcess? _nodeAgent;

    /// <summary>NodeAgent's standard output and error on this node, plus the test's markers.</summary>
    public string NodeAgentLogPath => Path.Combine(Root, "node-agent.out");

    public bool RunsNodeAgent => _nodeAgent is { HasExited: false };

    /// <summary><c>node-agent CONFIG</c> with Patroni's own config file, after Patroni has stopped.</summary>
    public void StartNodeAgent()
    {
        if (IsRunning || RunsNodeAgent)
        {
            throw new InvalidOperationException($"{Name}: patroni or node-agent still runs");
        }
        var dll = RequiredBinary.Require(AgentNode.AgentDll, "(build tests/NodeAgent.IntegrationTests)");
        _nodeAgent?.Dispose();
        File.AppendAllText(NodeAgentLogPath, $"==== test: starting node-agent {Name} at {DateTime.Now:HH:mm:ss.fff}\n");
        _nodeAgent = ChildProcess.Start(AgentNode.DotnetHost(), [dll, ConfigPath], NodeAgentLogPath, psi =>
        {
            PostgresUser.Configure(psi, Root);
            foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("PATRONI", StringComparison.Ordinal)).ToList())
            {
                // PATRONI_* would override the config file the migration hands over unchanged.
                psi.Environment.Remove(key);
            }
        });
    }

    /// <summary>SIGTERM to NodeAgent (it stops postgres and exits), SIGKILL after <paramref name="grace"/>.</summary>
    public async Task StopNodeAgentAsync(TimeSpan grace)
    {
        if (_nodeAgent is { HasExited: false } agent)
        {
            File.AppendAllText(NodeAgentLogPath, $"==== test: SIGTERM to node-agent {Name} at {DateTime.Now:HH:mm:ss.fff}\n");
            await agent.StopAsync(grace);
        }
    }

    /// <summary>SIGKILL to Patroni alone: its postmaster, started through a double fork, runs on.</summary>
    public async Task KillPatroniAloneAsync()
    {
        if (_patroni is { HasExited: false } patroni)
        {
            File.AppendAllText(LogPath, $"==== test: SIGKILL to patroni {Name} alone at {DateTime.Now:HH:mm:ss.fff}\n");
            Signals.Send(patroni.Pid, Signals.SigKill);
            // Not WaitForExitAsync: that also waits for the output pipes, which the surviving postmaster holds open.
            await Poll.UntilAsync(() => patroni.HasExited, TimeSpan.FromSeconds(10), $"patroni {Name} to die of SIGKILL");
        }
    }

    public string NodeAgentLogTail(int lines = 40) => ChildProcess.ReadTail(NodeAgentLogPath, lines);

    internal string DescribeNodeAgent() => File.Exists(NodeAgentLogPath)
        ? $"--- node-agent {Name} running={RunsNodeAgent} log tail:\n{NodeAgentLogTail()}\n"
        : "";

    private async Task DisposeNodeAgentAsync()
    {
        if (_nodeAgent is not null)
        {
            await _nodeAgent.DisposeAsync();
            _nodeAgent = null;
        }
    }
}
