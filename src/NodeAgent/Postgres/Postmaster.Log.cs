using Microsoft.Extensions.Logging;

namespace NodeAgent.Postgres;

internal sealed partial class Postmaster
{
    [LoggerMessage(EventId = 2101, Level = LogLevel.Information, Message = "adopted running postmaster (pid {Pid}) on {DataDir}")]
    private partial void LogAdopted(int pid, string dataDir);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Information, Message = "stopping postmaster (pid {Pid}) with {Signal}")]
    private partial void LogStopping(int pid, string signal);

    [LoggerMessage(EventId = 2103, Level = LogLevel.Information, Message = "postmaster (pid {Pid}) stopped")]
    private partial void LogStopped(int pid);

    [LoggerMessage(EventId = 2104, Level = LogLevel.Warning, Message = "postmaster (pid {Pid}) still running {Seconds} s after {Signal}; escalating")]
    private partial void LogStopSlow(int pid, double seconds, string signal);

    [LoggerMessage(EventId = 2105, Level = LogLevel.Warning, Message = "postmaster (pid {Pid}) exited unexpectedly (code {ExitCode})")]
    private partial void LogUnexpectedExit(int pid, int exitCode);
}
