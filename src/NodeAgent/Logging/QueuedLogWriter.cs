using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace NodeAgent.Logging;

/// <summary>
/// The one writer of the agent's own log: callers (the HA loop among them) only enqueue into a queue bounded by
/// <c>log.max_queue_size</c> and never wait on the disk; a full queue drops the record and the writer reports how
/// many were lost, as Patroni's <c>log.py:QueueHandler</c> does. A failing sink (disk full) counts as lost records too.
/// </summary>
internal sealed class QueuedLogWriter : IDisposable
{
    private static readonly TimeSpan DrainOnDispose = TimeSpan.FromSeconds(5);
    private readonly Channel<LogRecord> _queue;
    private readonly ILogLineSink _sink;
    private readonly LogLineFormatter _formatter;
    private readonly Task _writer;
    private long _lost;
    private int _disposed;

    public QueuedLogWriter(ILogLineSink sink, LogLineFormatter formatter, int maxQueueSize)
    {
        _sink = sink;
        _formatter = formatter;
        _queue = Channel.CreateBounded<LogRecord>(new BoundedChannelOptions(Math.Max(1, maxQueueSize))
        {
            FullMode = BoundedChannelFullMode.Wait, // TryWrite then fails at once instead of blocking
            SingleReader = true,
        });
        _writer = Task.Factory.StartNew(DrainAsync, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
    }

    /// <summary>Records dropped since the last report (queue full or sink failing).</summary>
    public long Lost => Interlocked.Read(ref _lost);

    /// <summary>Never blocks: a record that does not fit is counted and dropped.</summary>
    public void Enqueue(LogRecord record)
    {
        if (!_queue.Writer.TryWrite(record))
        {
            Interlocked.Increment(ref _lost);
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        _queue.Writer.TryComplete();
        // A writer still busy after the grace period keeps its sink: closing it under the writer would lose more.
        if (_writer.Wait(DrainOnDispose))
        {
            _sink.Dispose();
        }
    }

    private async Task DrainAsync()
    {
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (reader.TryRead(out var record))
            {
                ReportLost();
                Write(_formatter.Format(record));
            }

            try
            {
                _sink.Flush();
            }
            catch (IOException)
            {
                // the lines already count as written; the next write reports if the sink stays broken
            }
        }
    }

    private void ReportLost()
    {
        var lost = Interlocked.Exchange(ref _lost, 0);
        if (lost > 0)
        {
            var note = new LogRecord(DateTimeOffset.Now, LogLevel.Warning, typeof(QueuedLogWriter).FullName!,
                $"lost {lost} log records: the log queue (log.max_queue_size) was full or the log could not be written", null, Environment.CurrentManagedThreadId);
            Write(_formatter.Format(note));
        }
    }

    private void Write(string line)
    {
        try
        {
            _sink.Write(line);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Interlocked.Increment(ref _lost);
        }
    }
}
