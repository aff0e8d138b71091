using Microsoft.Extensions.Logging;

namespace NodeAgent.Logging;

/// <summary>The logger provider behind Patroni's <c>log:</c> section: every category enqueues into one <see cref="QueuedLogWriter"/>.</summary>
[ProviderAlias("PatroniLog")]
internal sealed class QueuedLoggerProvider(QueuedLogWriter writer) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new QueuedLogger(categoryName, writer);

    public void Dispose() => writer.Dispose();

    private sealed class QueuedLogger(string category, QueuedLogWriter writer) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            ArgumentNullException.ThrowIfNull(formatter);
            writer.Enqueue(new LogRecord(DateTimeOffset.Now, logLevel, category, formatter(state, exception), exception, Environment.CurrentManagedThreadId));
        }
    }
}
