using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace NodeAgent.Ctl.Output;

/// <summary>Output formats of <c>list</c>, <c>history</c> and friends (<c>-f</c>).</summary>
internal enum OutputFormat
{
    Pretty,
    Tsv,
    Json,
    Yaml,
    Topology,
}

/// <summary>
/// patronictl's <c>print_output</c>: the same rows as a pretty table, tab-separated lines, a JSON list or a
/// YAML list. Returns the text including the final newline <c>click.echo</c> adds.
/// </summary>
internal static class OutputPrinter
{
    public static bool TryParseFormat(string text, out OutputFormat format)
    {
        format = text switch
        {
            "pretty" => OutputFormat.Pretty,
            "tsv" => OutputFormat.Tsv,
            "json" => OutputFormat.Json,
            "yaml" or "yml" => OutputFormat.Yaml,
            "topology" => OutputFormat.Topology,
            _ => (OutputFormat)(-1),
        };
        return (int)format >= 0;
    }

    /// <param name="header">The table title; when set (member listings) empty cells are dropped from json/yaml.</param>
    public static string Render(
        IReadOnlyList<string> columns,
        IReadOnlyList<JsonNode?[]> rows,
        IReadOnlyDictionary<string, CellAlign> align,
        OutputFormat format,
        string? header,
        string delimiter = "\t")
    {
        if (format is OutputFormat.Json or OutputFormat.Yaml)
        {
            var list = new JsonArray();
            foreach (var row in rows)
            {
                var element = new JsonObject();
                for (var i = 0; i < columns.Count; i++)
                {
                    if (header is null || PyStr(row[i]).Length > 0)
                    {
                        element[columns[i]] = row[i]?.DeepClone();
                    }
                }

                list.Add((JsonNode)element);
            }

            return format == OutputFormat.Json ? PyJson.Dumps(list) + "\n" : PyYamlEmitter.Dump(list) + "\n";
        }

        var listCluster = header is not null && columns.Count > 0 && columns[0] == "Cluster";
        var cells = rows.Select(r => r.Select((c, i) => CellText(c, i < columns.Count ? columns[i] : "", listCluster, format)).ToArray()).ToList();
        IReadOnlyList<string> shownColumns = columns;
        if (listCluster && format != OutputFormat.Tsv)
        {
            shownColumns = [.. columns.Skip(1)];
            cells = [.. cells.Select(r => r.Skip(1).ToArray())];
        }

        if (format == OutputFormat.Tsv)
        {
            var sb = new StringBuilder();
            if (shownColumns.Count > 0)
            {
                sb.Append(string.Join(delimiter, shownColumns)).Append('\n');
            }

            foreach (var row in cells)
            {
                sb.Append(string.Join(delimiter, row)).Append('\n');
            }

            return sb.ToString();
        }

        var table = new PrettyTable(shownColumns, [.. shownColumns.Select(c => align.TryGetValue(c, out var a) ? a : CellAlign.Left)]);
        foreach (var row in cells)
        {
            table.AddRow(row);
        }

        return table.Render(header) + "\n";
    }

    private static string CellText(JsonNode? cell, string column, bool listCluster, OutputFormat format)
    {
        // Member tags are shown as YAML: block style in the table, flow style in tsv.
        if (listCluster && column == "Tags" && cell is JsonObject { Count: > 0 } tags)
        {
            return PyYamlEmitter.Dump(tags, flowStyle: format != OutputFormat.Pretty).Trim();
        }

        return PyStr(cell);
    }

    /// <summary>Python's <c>str()</c> of a JSON-shaped value.</summary>
    public static string PyStr(JsonNode? node) => node switch
    {
        null => "None",
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => v.GetValue<string>(),
            JsonValueKind.True => "True",
            JsonValueKind.False => "False",
            _ => v.ToJsonString(),
        },
        _ => node.ToJsonString(),
    };
}
