using System.Globalization;

namespace NodeAgent.Bench;

/// <summary>Median and max per (profile, scenario, metric) of the results file bench.sh appends to:
/// tab-separated "profile scenario metric rep value", in first-seen order.</summary>
internal static class SummaryCommand
{
    public static int Run(Options options)
    {
        var groups = new List<(string Key, List<double> Values)>();
        foreach (var line in File.ReadLines(options.Text("results")))
        {
            var parts = line.Split('\t');
            if (parts.Length != 5 || !double.TryParse(parts[4], NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                continue;
            }

            var key = $"{parts[0]}\t{parts[1]}\t{parts[2]}";
            var group = groups.FindIndex(g => g.Key == key);
            if (group < 0)
            {
                groups.Add((key, [value]));
            }
            else
            {
                groups[group].Values.Add(value);
            }
        }

        Console.WriteLine("profile\tscenario\tmetric\tn\tmedian\tmax");
        foreach (var (key, values) in groups)
        {
            values.Sort();
            var mid = values.Count / 2;
            var median = values.Count % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{key}\t{values.Count}\t{median:0.###}\t{values[^1]:0.###}"));
        }

        return 0;
    }
}
