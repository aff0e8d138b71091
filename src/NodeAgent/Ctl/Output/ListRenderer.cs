using System.Text;
using NodeAgent.Cluster;

namespace NodeAgent.Ctl.Output;

/// <summary>What <c>agentctl list</c> prints for one cluster: the member table and, when pretty, the service lines.</summary>
internal static class ListRenderer
{
    public static string Render(ClusterView view, string clusterName, bool extended, OutputFormat format, IReadOnlyDictionary<string, bool?>? failsafe = null)
    {
        var listing = MemberListingBuilder.Build(view, clusterName, extended, format == OutputFormat.Topology, failsafe);
        var sb = new StringBuilder(OutputPrinter.Render(listing.Columns, listing.Rows, MemberListingBuilder.Alignment, format, listing.Title));
        if (format is OutputFormat.Pretty or OutputFormat.Topology && listing.ServiceInfo.Count > 0)
        {
            sb.Append(' ').Append(string.Join("\n ", listing.ServiceInfo)).Append('\n');
        }

        return sb.ToString();
    }
}
