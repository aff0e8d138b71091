using NodeAgent.Cluster;

namespace NodeAgent.Ctl.Output;

/// <summary><c>agentctl show-config</c>: the <c>config</c> key as PyYAML block YAML (plus echo's newline).</summary>
internal static class ConfigRenderer
{
    public static string Render(ClusterView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        return PyYamlEmitter.Dump(view.Config ?? []) + "\n";
    }
}
