using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using NodeAgent.Configuration;
using NodeAgent.Hosting;

namespace NodeAgent.Logging;

/// <summary>
/// Applies Patroni's <c>log:</c> section to the host's logging (<c>log.py:PatroniLogger.reload_config</c>): with
/// <c>dir</c> the log goes to a rotating file there instead of the console; with <c>format</c>, <c>dateformat</c>,
/// <c>type: json</c> or <c>traceback_level: DEBUG</c> to standard error in that layout; otherwise the console
/// logger as before (one line per record, read by journald). <c>max_queue_size</c> bounds either queue.
/// </summary>
internal static class LogSetup
{
    /// <summary>Log categories <c>log.loggers</c> can name; Patroni's Python module names have no counterpart here.</summary>
    public static readonly IReadOnlyList<string> CategoryRoots = ["NodeAgent", "Microsoft", "Grpc", "Npgsql", "System"];

    /// <summary>Configures <paramref name="logging"/>; returns a warning when <c>log.dir</c> could not be used.</summary>
    public static ConfigProblem? Configure(ILoggingBuilder logging, LogConfig config)
    {
        ArgumentNullException.ThrowIfNull(logging);
        ArgumentNullException.ThrowIfNull(config);
        var minimum = LogLevels.FromPatroni(config.Level);
        logging.SetMinimumLevel(minimum);
        logging.AddFilter("Microsoft", LogLevel.Warning);
        logging.AddFilter("Grpc", LogLevel.Warning);
        foreach (var (name, level) in config.Loggers.Where(l => NamesCategory(l.Key)))
        {
            logging.AddFilter(name, LogLevels.FromPatroni(level));
        }

        if (!UsesOwnWriter(config))
        {
            logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "yyyy-MM-dd HH:mm:ss.fff ";
                o.UseUtcTimestamp = false;
                o.ColorBehavior = LoggerColorBehavior.Disabled;
            });
            logging.Services.Configure<ConsoleLoggerOptions>(o =>
            {
                o.MaxQueueLength = Math.Max(1, config.MaxQueueSize);
                o.QueueFullMode = ConsoleLoggerQueueFullMode.DropWrite; // never block the HA loop on a slow journal
            });
            return null;
        }

        var (sink, problem) = OpenSink(config);
        var formatter = new LogLineFormatter(
            PythonLogFormat.TryParse(config.Format ?? PythonLogFormat.PatroniDefault, out _) ?? PythonLogFormat.TryParse(PythonLogFormat.PatroniDefault, out _)!,
            PythonDateFormat.Parse(config.DateFormat),
            config.Type == "json",
            config.TracebackLevel == "DEBUG",
            minimum);
        logging.AddProvider(new QueuedLoggerProvider(new QueuedLogWriter(sink, formatter, config.MaxQueueSize)));
        return problem;
    }

    public static bool NamesCategory(string logger) =>
        CategoryRoots.Any(root => logger == root || logger.StartsWith(root + ".", StringComparison.Ordinal));

    private static bool UsesOwnWriter(LogConfig config) =>
        !string.IsNullOrEmpty(config.Dir) || !string.IsNullOrEmpty(config.Format) || !string.IsNullOrEmpty(config.DateFormat)
        || config.Type == "json" || config.TracebackLevel == "DEBUG";

    // Patroni dies on a log.dir it cannot write; an agent without its log is better than no agent.
    private static (ILogLineSink Sink, ConfigProblem? Problem) OpenSink(LogConfig config)
    {
        if (string.IsNullOrEmpty(config.Dir))
        {
            return (new StandardErrorSink(), null);
        }

        try
        {
            return (new RotatingFileSink(new RotatingLogFile(config.Dir, config.FileSize ?? LogConfig.DefaultFileSize, config.FileNum ?? LogConfig.DefaultFileNum)), null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            return (new StandardErrorSink(), new ConfigProblem(ConfigSeverity.Warning, "log.dir",
                $"cannot write {Path.Combine(config.Dir, RotatingLogFile.FileName)} ({e.Message}); logging to standard error instead"));
        }
    }
}
