using System.Globalization;

namespace NodeAgent.Bench;

/// <summary>One acknowledged write as the writer logged it.</summary>
internal readonly record struct Ack(long AtMs, long Id);

/// <summary>Reads the writer's log ("&lt;ms&gt; &lt;id&gt;" per line); a torn last line (the writer is still running) is skipped.</summary>
internal static class AckLog
{
    public static List<Ack> Read(string path, long fromMs, long toMs)
    {
        var acks = new List<Ack>();
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        while (reader.ReadLine() is { } line)
        {
            var parts = line.Split(' ');
            if (parts.Length == 2
                && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var at)
                && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var id)
                && at >= fromMs && at <= toMs)
            {
                acks.Add(new Ack(at, id));
            }
        }

        return acks;
    }
}
