using System.Globalization;

namespace NodeAgent.Ctl.Commands;

/// <summary>Python's <c>difflib.unified_diff(a, b)</c> with empty file names and 3 lines of context, line by line.</summary>
internal static class UnifiedDiff
{
    private enum Op
    {
        Same,
        Delete,
        Insert,
    }

    public static IEnumerable<string> Lines(IReadOnlyList<string> a, IReadOnlyList<string> b, int context = 3)
    {
        var ops = Script(a, b);
        var changes = Enumerable.Range(0, ops.Count).Where(i => ops[i].Op != Op.Same).ToList();
        if (changes.Count == 0)
        {
            yield break;
        }

        yield return "--- ";
        yield return "+++ ";
        var start = 0;
        while (start < changes.Count)
        {
            // Group changes whose gaps are at most 2 * context unchanged lines.
            var end = start;
            while (end + 1 < changes.Count && changes[end + 1] - changes[end] - 1 <= 2 * context)
            {
                end++;
            }

            var from = Math.Max(0, changes[start] - context);
            var to = Math.Min(ops.Count - 1, changes[end] + context);
            var hunk = ops.GetRange(from, to - from + 1);
            var aStart = ops[from].A;
            var bStart = ops[from].B;
            var aLen = hunk.Count(o => o.Op != Op.Insert);
            var bLen = hunk.Count(o => o.Op != Op.Delete);
            yield return $"@@ -{Range(aStart, aLen)} +{Range(bStart, bLen)} @@";
            foreach (var o in hunk)
            {
                yield return o.Op switch
                {
                    Op.Same => " " + a[o.A],
                    Op.Delete => "-" + a[o.A],
                    _ => "+" + b[o.B],
                };
            }

            start = end + 1;
        }
    }

    private static string Range(int start, int length)
    {
        var beginning = start + 1;
        if (length == 1)
        {
            return beginning.ToString(CultureInfo.InvariantCulture);
        }

        if (length == 0)
        {
            beginning -= 1;
        }

        return string.Create(CultureInfo.InvariantCulture, $"{beginning},{length}");
    }

    /// <summary>An edit script from the longest common subsequence; A/B are the positions in each input.</summary>
    private static List<(Op Op, int A, int B)> Script(IReadOnlyList<string> a, IReadOnlyList<string> b)
    {
        var lcs = new int[a.Count + 1, b.Count + 1];
        for (var i = a.Count - 1; i >= 0; i--)
        {
            for (var j = b.Count - 1; j >= 0; j--)
            {
                lcs[i, j] = a[i] == b[j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);
            }
        }

        var ops = new List<(Op, int, int)>();
        int x = 0, y = 0;
        while (x < a.Count || y < b.Count)
        {
            if (x < a.Count && y < b.Count && a[x] == b[y])
            {
                ops.Add((Op.Same, x++, y++));
            }
            else if (y < b.Count && (x >= a.Count || lcs[x, y + 1] > lcs[x + 1, y]))
            {
                ops.Add((Op.Insert, x, y++));
            }
            else
            {
                ops.Add((Op.Delete, x++, y));
            }
        }

        return ops;
    }
}
