using System.Globalization;

namespace NodeAgent.Bench;

/// <summary>The latency command's log in one window: "&lt;writes&gt; &lt;p50 ms&gt; &lt;p99 ms&gt; &lt;max ms&gt;" (nearest rank).</summary>
internal static class PercentilesCommand
{
    public static int Run(Options options)
    {
        long from = options.Long("from"), to = options.Long("to");
        var latencies = new List<long>();
        using (var stream = new FileStream(options.Text("log"), FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
        using (var reader = new StreamReader(stream))
        {
            while (reader.ReadLine() is { } line)
            {
                var parts = line.Split(' ');
                if (parts.Length == 2
                    && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var at)
                    && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var micros)
                    && at >= from && at <= to)
                {
                    latencies.Add(micros);
                }
            }
        }

        if (latencies.Count == 0)
        {
            Console.Error.WriteLine("bench percentiles: no writes in the window");
            return 1;
        }

        latencies.Sort();
        double Rank(double p) => latencies[Math.Min(latencies.Count - 1, (int)Math.Ceiling(p * latencies.Count) - 1)] / 1000.0;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{latencies.Count} {Rank(0.50):F2} {Rank(0.99):F2} {latencies[^1] / 1000.0:F2}"));
        return 0;
    }
}
