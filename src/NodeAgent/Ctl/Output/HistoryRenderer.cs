using System.Text.Json.Nodes;
using NodeAgent.Cluster;

namespace NodeAgent.Ctl.Output;

/// <summary><c>agentctl history</c>: the timeline history as a table (TL, LSN, Reason, Timestamp, New Leader).</summary>
internal static class HistoryRenderer
{
    private static readonly string[] Columns = ["TL", "LSN", "Reason", "Timestamp", "New Leader"];

    private static readonly Dictionary<string, CellAlign> Alignment = new()
    {
        ["TL"] = CellAlign.Right,
        ["LSN"] = CellAlign.Right,
    };

    public static string Render(ClusterView view, OutputFormat format)
    {
        ArgumentNullException.ThrowIfNull(view);
        var rows = view.History.Select(h => new JsonNode?[]
        {
            JsonValue.Create(h.Timeline),
            JsonValue.Create(h.SwitchLsn),
            JsonValue.Create(h.Reason),
            JsonValue.Create(h.Timestamp ?? ""),
            JsonValue.Create(h.NewLeader ?? ""),
        }).ToList();
        return OutputPrinter.Render(Columns, rows, Alignment, format, header: null);
    }
}
