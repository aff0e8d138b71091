using System.Text;

namespace NodeAgent.Ctl.Output;

/// <summary>Column alignment inside a <see cref="PrettyTable"/>.</summary>
internal enum CellAlign
{
    Left,
    Right,
}

/// <summary>
/// A clone of the bits of Python's PrettyTable 3.6 that patronictl uses: '|' and '+' borders, one space
/// of padding, multi-line cells, a frame-only or every-row rule, and patronictl's title written over the
/// top border (<c>PatronictlPrettyTable</c>).
/// </summary>
internal sealed class PrettyTable
{
    private readonly IReadOnlyList<string> _columns;
    private readonly IReadOnlyList<CellAlign> _align;
    private readonly List<string[]> _rows = [];

    public PrettyTable(IReadOnlyList<string> columns, IReadOnlyList<CellAlign> align)
    {
        _columns = columns;
        _align = align;
    }

    public void AddRow(IReadOnlyList<string> cells) => _rows.Add([.. cells]);

    /// <summary>Renders the table; no trailing newline, like <c>str(table)</c>.</summary>
    public string Render(string? title)
    {
        var widths = ColumnWidths();
        var hrule = HorizontalRule(widths);
        var ruleEveryRow = _rows.Any(r => r.Any(c => c.Contains('\n', StringComparison.Ordinal)));

        var lines = new List<string> { WithTitle(hrule, title) };
        lines.Add(TextLine(_columns, widths));
        lines.Add(hrule);
        foreach (var row in _rows)
        {
            lines.AddRange(RowLines(row, widths));
            if (ruleEveryRow)
            {
                lines.Add(hrule);
            }
        }

        if (!ruleEveryRow || _rows.Count == 0)
        {
            lines.Add(hrule);
        }

        return string.Join('\n', lines);
    }

    private int[] ColumnWidths()
    {
        var widths = _columns.Select(c => c.Length).ToArray();
        foreach (var row in _rows)
        {
            for (var i = 0; i < widths.Length; i++)
            {
                foreach (var line in row[i].Split('\n'))
                {
                    widths[i] = Math.Max(widths[i], line.Length);
                }
            }
        }

        return widths;
    }

    private static string HorizontalRule(int[] widths)
    {
        var sb = new StringBuilder("+");
        foreach (var w in widths)
        {
            sb.Append('-', w + 2).Append('+');
        }

        return sb.ToString();
    }

    /// <summary>patronictl overwrites the top border after its first '+' with the title, cut to fit.</summary>
    private static string WithTitle(string hrule, string? title)
    {
        if (string.IsNullOrEmpty(title))
        {
            return hrule;
        }

        var header = title.Length > hrule.Length - 2 ? title[..(hrule.Length - 2)] : title;
        return string.Concat(hrule.AsSpan(0, 1), header, hrule.AsSpan(1 + header.Length));
    }

    private IEnumerable<string> RowLines(string[] row, int[] widths)
    {
        var cellLines = row.Select(c => c.Split('\n')).ToArray();
        var height = cellLines.Max(l => l.Length);
        for (var h = 0; h < height; h++)
        {
            yield return TextLine(cellLines.Select(l => h < l.Length ? l[h] : "").ToArray(), widths);
        }
    }

    private string TextLine(IReadOnlyList<string> cells, int[] widths)
    {
        var sb = new StringBuilder("|");
        for (var i = 0; i < widths.Length; i++)
        {
            var text = cells[i];
            var pad = new string(' ', widths[i] - text.Length);
            sb.Append(' ')
              .Append(_align[i] == CellAlign.Right ? pad + text : text + pad)
              .Append(" |");
        }

        return sb.ToString();
    }
}
