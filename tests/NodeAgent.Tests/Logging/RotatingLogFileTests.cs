using Microsoft.Extensions.Logging;
using NodeAgent.Logging;

namespace NodeAgent.Tests.Logging;

public sealed class RotatingLogFileTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "na-log-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    private string[] Files() => Directory.GetFiles(_dir).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;

    [Fact]
    public void Rotates_at_file_size_and_keeps_file_num_old_files()
    {
        using (var file = new RotatingLogFile(_dir, maxBytes: 100, backupCount: 2))
        {
            for (var i = 0; i < 10; i++)
            {
                file.Write($"line {i} " + new string('x', 30)); // 40 bytes with the newline: two lines per file
            }
        }

        Assert.Equal(["node-agent.log", "node-agent.log.1", "node-agent.log.2"], Files());
        Assert.Equal(["line 8", "line 9"], First6(Path.Combine(_dir, "node-agent.log")));
        Assert.Equal(["line 6", "line 7"], First6(Path.Combine(_dir, "node-agent.log.1")));
        Assert.Equal(["line 4", "line 5"], First6(Path.Combine(_dir, "node-agent.log.2")));
        Assert.All(Directory.GetFiles(_dir), f => Assert.True(new FileInfo(f).Length <= 100));
    }

    [Theory]
    [InlineData(0, 3)]
    [InlineData(100, 0)]
    public void Size_or_count_zero_never_rotates(long size, int count)
    {
        using (var file = new RotatingLogFile(_dir, size, count))
        {
            for (var i = 0; i < 10; i++)
            {
                file.Write(new string('x', 39));
            }
        }

        Assert.Equal(["node-agent.log"], Files());
        Assert.Equal(400, new FileInfo(Path.Combine(_dir, "node-agent.log")).Length);
    }

    [Fact]
    public void Appends_to_an_existing_log_across_restarts()
    {
        using (var first = new RotatingLogFile(_dir, 0, 0))
        {
            first.Write("before restart");
        }

        using (var second = new RotatingLogFile(_dir, 0, 0))
        {
            second.Write("after restart");
        }

        Assert.Equal(["before restart", "after restart"], File.ReadAllLines(Path.Combine(_dir, "node-agent.log")));
    }

    [Fact]
    public void A_full_queue_drops_records_without_blocking_and_reports_how_many_were_lost()
    {
        var sink = new GatedSink();
        var format = PythonLogFormat.TryParse("%(message)s", out _)!;
        using (var writer = new QueuedLogWriter(sink, new LogLineFormatter(format, PythonDateFormat.Parse(null), false, false, LogLevel.Information), maxQueueSize: 3))
        {
            writer.Enqueue(Record("first")); // taken by the writer, which then blocks in the sink
            Assert.True(sink.Entered.Wait(TimeSpan.FromSeconds(10)));
            for (var i = 0; i < 10; i++)
            {
                writer.Enqueue(Record($"queued {i}")); // returns at once although the sink is stuck
            }

            Assert.Equal(7, writer.Lost);
            sink.Release.Set();
        }

        Assert.Equal(["first", "lost 7 log records: the log queue (log.max_queue_size) was full or the log could not be written", "queued 0", "queued 1", "queued 2"], sink.Lines);
    }

    private static LogRecord Record(string message) => new(DateTimeOffset.Now, LogLevel.Information, "t", message, null, 1);

    private static string[] First6(string path) => File.ReadAllLines(path).Select(l => l[..6]).ToArray();

    private sealed class GatedSink : ILogLineSink
    {
        public ManualResetEventSlim Entered { get; } = new();

        public ManualResetEventSlim Release { get; } = new();

        public List<string> Lines { get; } = [];

        public void Write(string line)
        {
            Lines.Add(line);
            Entered.Set();
            Release.Wait(TimeSpan.FromSeconds(10));
        }

        public void Flush()
        {
        }

        public void Dispose()
        {
        }
    }
}
