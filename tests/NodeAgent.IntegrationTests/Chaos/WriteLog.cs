using System.Globalization;
using NodeAgent.IntegrationTests.Fixtures;

namespace NodeAgent.IntegrationTests.Chaos;

/// <summary>A write acknowledged through HAProxy: sequence number, Unix ms when sent and acknowledged, and the node behind it.</summary>
public sealed record HaproxyAck(long Seq, long StartMs, long AckMs, string Node);

/// <summary>A write acknowledged by one node directly, in the 100 ms round it was sent in.</summary>
public sealed record DirectAck(string Node, long Round, long StartMs, long AckMs);

/// <summary>A write acknowledged by a node's postgres to a writer in the node's own namespace (unix socket).</summary>
public sealed record LocalAck(string Node, long Seq, long StartMs, long AckMs);

/// <summary>The chaos client's ack logs (format in NodeAgent.ChaosClient/AckLog.cs), one or several files.</summary>
public sealed class WriteLog
{
    public const int RoundMs = 100;

    private WriteLog(IReadOnlyList<HaproxyAck> haproxy, IReadOnlyList<DirectAck> direct, IReadOnlyList<LocalAck> local, int failures,
        IReadOnlyList<(long StartMs, string Message)> haproxyFailures)
    {
        HaproxyFailures = haproxyFailures;
        Haproxy = haproxy;
        Direct = direct;
        Local = local;
        Failures = failures;
    }

    public IReadOnlyList<HaproxyAck> Haproxy { get; }

    public IReadOnlyList<DirectAck> Direct { get; }

    public IReadOnlyList<LocalAck> Local { get; }

    public int Failures { get; }

    /// <summary>Failed writes through HAProxy (start ms, error), of any tag: filter by time.</summary>
    public IReadOnlyList<(long StartMs, string Message)> HaproxyFailures { get; }

    /// <summary>Every acknowledged write of every channel ("haproxy", "direct", "local"), by ack time.</summary>
    public IReadOnlyList<NodeAck> All() =>
        Haproxy.Select(a => new NodeAck(a.Node, "haproxy", a.StartMs, a.AckMs))
            .Concat(Direct.Select(a => new NodeAck(a.Node, "direct", a.StartMs, a.AckMs)))
            .Concat(Local.Select(a => new NodeAck(a.Node, "local", a.StartMs, a.AckMs)))
            .OrderBy(a => a.AckMs)
            .ToList();

    public static WriteLog Parse(string path, string tag) => Parse([path], tag);

    public static WriteLog Parse(IEnumerable<string> paths, string tag)
    {
        var haproxy = new List<HaproxyAck>();
        var direct = new List<DirectAck>();
        var local = new List<LocalAck>();
        var failures = 0;
        var haproxyFailures = new List<(long, string)>();
        foreach (var path in paths)
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            // The client may be mid-write: only lines ended by a newline are complete.
            var lines = reader.ReadToEnd().Split('\n');
            foreach (var line in lines.Take(lines.Length - 1))
            {
                var f = line.Split(' ');
                if (f.Length == 6 && f[1] == tag)
                {
                    switch (f[0])
                    {
                        case "H": haproxy.Add(new HaproxyAck(L(f[2]), L(f[3]), L(f[4]), f[5])); break;
                        case "D": direct.Add(new DirectAck(f[2], L(f[3]), L(f[4]), L(f[5]))); break;
                        case "L": local.Add(new LocalAck(f[2], L(f[3]), L(f[4]), L(f[5]))); break;
                    }
                }
                else if (f[0] == "E")
                {
                    failures++;
                    if (f.Length >= 5 && f[1] == "H")
                    {
                        haproxyFailures.Add((L(f[3]), string.Join(' ', f.Skip(5))));
                    }
                }
            }
        }
        return new WriteLog(haproxy, direct, local, failures, haproxyFailures);
    }

    private static long L(string text) => long.Parse(text, CultureInfo.InvariantCulture);
}
