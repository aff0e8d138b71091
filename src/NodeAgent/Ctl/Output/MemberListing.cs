using System.Text.Json.Nodes;

namespace NodeAgent.Ctl.Output;

/// <summary>
/// The table <c>list</c> prints: column names, one row of cells per member (strings, numbers, or the tags
/// object), the title and the service lines under the table (maintenance mode, scheduled switchover).
/// </summary>
internal sealed record MemberListing(
    IReadOnlyList<string> Columns,
    IReadOnlyList<JsonNode?[]> Rows,
    string Title,
    IReadOnlyList<string> ServiceInfo);
