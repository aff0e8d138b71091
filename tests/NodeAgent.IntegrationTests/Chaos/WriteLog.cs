using System.Globalization;

namespace NodeAgent.IntegrationTests.Chaos;

/// <summary>A write acknowledged through HAProxy: sequence number and Unix ms when sent and acknowledged.</summary>
public sealed record HaproxyAck(long Seq, long StartMs, long AckMs);

/// <summary>A write acknowledged by one node directly, in the 100 ms round it was sent in.</summary>
public sealed record DirectAck(string Node, long Round, long StartMs, long AckMs);

/// <summary>The chaos client's ack log (format in NodeAgent.ChaosClient/AckLog.cs).</summary>
public sealed class WriteLog
{
    public const int RoundMs = 100;

    private WriteLog(IReadOnlyList<HaproxyAck> haproxy, IReadOnlyList<DirectAck> direct, int failures)
    {
        Haproxy = haproxy;
        Direct = direct;
        Failures = failures;
    }

    public IReadOnlyList<HaproxyAck> Haproxy { get; }

    public IReadOnlyList<DirectAck> Direct { get; }

    public int Failures { get; }

    public static WriteLog Parse(string path, string tag)
    {
        var haproxy = new List<HaproxyAck>();
        var direct = new List<DirectAck>();
        var failures = 0;
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        while (reader.ReadLine() is { } line)
        {
            var f = line.Split(' ');
            // The last line may be cut mid-write while the client runs: ignore what does not parse.
            if (f[0] == "H" && f.Length == 5 && f[1] == tag && long.TryParse(f[4], CultureInfo.InvariantCulture, out var ack))
            {
                haproxy.Add(new HaproxyAck(L(f[2]), L(f[3]), ack));
            }
            else if (f[0] == "D" && f.Length == 6 && f[1] == tag && long.TryParse(f[5], CultureInfo.InvariantCulture, out var dack))
            {
                direct.Add(new DirectAck(f[2], L(f[3]), L(f[4]), dack));
            }
            else if (f[0] == "E")
            {
                failures++;
            }
        }
        return new WriteLog(haproxy, direct, failures);
    }

    private static long L(string text) => long.Parse(text, CultureInfo.InvariantCulture);
}
