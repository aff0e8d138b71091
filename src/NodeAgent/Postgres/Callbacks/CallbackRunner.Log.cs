using Microsoft.Extensions.Logging;

namespace NodeAgent.Postgres.Callbacks;

internal sealed partial class CallbackRunner
{
    [LoggerMessage(EventId = 3201, Level = LogLevel.Error, Message = "{Key}: cannot run `{Command}`: {Error}")]
    private partial void LogCannotRun(string key, string command, string error);

    [LoggerMessage(EventId = 3209, Level = LogLevel.Error, Message = "{Key}: the callback failed to start or be tracked; the HA cycle goes on")]
    private partial void LogFireFailed(string key, Exception error);

    [LoggerMessage(EventId = 3202, Level = LogLevel.Error, Message = "{Key}: the script could not be executed (exit code {ExitCode}: missing or not executable)")]
    private partial void LogNotRunnable(string key, int exitCode);

    [LoggerMessage(EventId = 3203, Level = LogLevel.Warning, Message = "{Key}: the script exited with code {ExitCode}")]
    private partial void LogFailed(string key, int exitCode);

    [LoggerMessage(EventId = 3204, Level = LogLevel.Debug, Message = "{Key}: the script finished")]
    private partial void LogDone(string key);

    [LoggerMessage(EventId = 3205, Level = LogLevel.Warning, Message = "{Key}: the script (pid {Pid}) is still running after {Seconds} s; it is killed when the next callback starts")]
    private partial void LogStillRunning(string key, int pid, double seconds);

    [LoggerMessage(EventId = 3206, Level = LogLevel.Warning, Message = "{Key}: killing the script still running (pid {Pid}) and its children: the next callback starts")]
    private partial void LogKilling(string key, int pid);

    [LoggerMessage(EventId = 3207, Level = LogLevel.Information, Message = "pre_promote script `{Command}` exited with {ExitCode}")]
    private partial void LogPrePromoteExited(string command, int exitCode);

    [LoggerMessage(EventId = 3208, Level = LogLevel.Error, Message = "postgresql.pre_promote: the script `{Command}` did not finish within {Seconds} s; killed, not promoting")]
    private partial void LogPrePromoteTimedOut(string command, double seconds);
}
