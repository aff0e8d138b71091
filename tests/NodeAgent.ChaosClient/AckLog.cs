using System.Globalization;
using System.Text;

namespace NodeAgent.ChaosClient;

/// <summary>
/// The client's record, one line per event, flushed at once so a killed client loses nothing acknowledged:
/// <c>H tag seq start_ms ack_ms node</c> (write through HAProxy acknowledged, by the node HAProxy sent it to),
/// <c>D tag node round start_ms ack_ms</c> (direct write acknowledged by that node),
/// <c>L tag node seq start_ms ack_ms</c> (write from the node's own namespace over its unix socket acknowledged),
/// <c>E kind target start_ms end_ms message</c> (a failed attempt, for diagnosis only).
/// Times are Unix milliseconds of the machine clock, shared with the test process.
/// </summary>
internal sealed class AckLog : IDisposable
{
    private readonly StreamWriter _writer;
    private readonly Lock _gate = new();

    public AckLog(string path)
    {
        _writer = new StreamWriter(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite), Encoding.UTF8)
        {
            AutoFlush = true,
        };
    }

    public static long NowMs() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    public void Haproxy(string tag, long seq, long startMs, long ackMs, string node) =>
        Write(string.Create(CultureInfo.InvariantCulture, $"H {tag} {seq} {startMs} {ackMs} {node}"));

    public void Local(string tag, string node, long seq, long startMs, long ackMs) =>
        Write(string.Create(CultureInfo.InvariantCulture, $"L {tag} {node} {seq} {startMs} {ackMs}"));

    public void Direct(string tag, string node, long round, long startMs, long ackMs) =>
        Write(string.Create(CultureInfo.InvariantCulture, $"D {tag} {node} {round} {startMs} {ackMs}"));

    public void Failure(string kind, string target, long startMs, string message) =>
        Write(string.Create(CultureInfo.InvariantCulture, $"E {kind} {target} {startMs} {NowMs()} {message.ReplaceLineEndings(" ")}"));

    public void Dispose()
    {
        lock (_gate)
        {
            _writer.Dispose();
        }
    }

    private void Write(string line)
    {
        lock (_gate)
        {
            _writer.WriteLine(line);
        }
    }
}
