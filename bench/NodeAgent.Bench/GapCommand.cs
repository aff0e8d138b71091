using System.Globalization;

namespace NodeAgent.Bench;

/// <summary>The client-visible unavailability of one incident: the longest pause between two consecutive
/// acknowledged writes in the window (last good write before to first good write after).</summary>
internal static class GapCommand
{
    public static int Run(Options options)
    {
        var acks = AckLog.Read(options.Text("log"), options.Long("from"), options.Long("to"));
        if (acks.Count < 2)
        {
            Console.Error.WriteLine("bench gap: fewer than two acknowledged writes in the window");
            return 1;
        }

        var (gap, before, after) = (0L, 0L, 0L);
        for (var i = 1; i < acks.Count; i++)
        {
            var pause = acks[i].AtMs - acks[i - 1].AtMs;
            if (pause > gap)
            {
                (gap, before, after) = (pause, acks[i - 1].AtMs, acks[i].AtMs);
            }
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{gap} {before} {after}"));
        return 0;
    }
}
