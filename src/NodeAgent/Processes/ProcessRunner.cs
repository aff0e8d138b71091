using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace NodeAgent.Processes;

/// <summary>
/// The one place child processes start (initdb, pg_basebackup, pg_controldata, postgres, callbacks).
/// Output is streamed into the log line by line; bounded runs are killed at their deadline.
/// </summary>
internal sealed partial class ProcessRunner
{
    private const string SetsidPath = "/usr/bin/setsid";
    private readonly ILogger _logger;

    public ProcessRunner(ILogger<ProcessRunner> logger)
    {
        _logger = logger;
    }

    /// <summary>Starts a child and returns at once; the caller owns its lifetime.</summary>
    public ChildProcess Start(ProcessSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var psi = BuildStartInfo(spec);
        var process = new Process { StartInfo = psi };
        var child = new ChildProcess(process, spec.MaxCapturedLines);
        var level = spec.QuietOutput ? LogLevel.Debug : LogLevel.Information;
        process.OutputDataReceived += (_, e) => Forward(spec, e.Data, stderr: false, level, child);
        process.ErrorDataReceived += (_, e) => Forward(spec, e.Data, stderr: true, level, child);
        if (!process.Start())
        {
            throw new InvalidOperationException($"{spec.LogName} did not start");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        LogStarted(spec.LogName, process.Id, spec.RunAs?.Name ?? Environment.UserName);
        return child;
    }

    /// <summary>Runs a child to completion; kills its tree when <paramref name="timeout"/> passes or the token fires.</summary>
    public async Task<ProcessResult> RunAsync(ProcessSpec spec, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var child = Start(spec);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await child.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            child.KillTree();
            await child.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10), CancellationToken.None)
                .ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            cancellationToken.ThrowIfCancellationRequested();
            LogTimedOut(spec.LogName, child.Pid, timeout.TotalSeconds);
            return new ProcessResult(-1, TimedOut: true, child.Output);
        }

        LogExited(spec.LogName, child.Pid, child.ExitCode);
        return new ProcessResult(child.ExitCode, TimedOut: false, child.Output);
    }

    private static ProcessStartInfo BuildStartInfo(ProcessSpec spec)
    {
        var psi = new ProcessStartInfo
        {
            FileName = spec.NewSession ? SetsidPath : spec.FileName,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = spec.RedirectStandardInput,
            WorkingDirectory = spec.WorkingDirectory ?? spec.RunAs?.Home ?? "/",
        };
        if (spec.NewSession)
        {
            // setsid(1) execs in place when the caller is not a group leader (a fresh child never is),
            // so the PID we get is the PID of the program itself.
            psi.ArgumentList.Add(spec.FileName);
        }

        foreach (var arg in spec.Arguments)
        {
            psi.ArgumentList.Add(arg);
        }

        if (spec.RunAs is { } user && Posix.IsRoot)
        {
            psi.UserName = user.Name;
            // ProcessStartInfo.UserName switches uid/gid/groups but keeps our HOME: set the identity ourselves.
            psi.Environment["HOME"] = user.Home;
            psi.Environment["USER"] = user.Name;
            psi.Environment["LOGNAME"] = user.Name;
            if (!Directory.Exists(psi.WorkingDirectory))
            {
                psi.WorkingDirectory = "/";
            }
        }

        foreach (var (key, value) in spec.Environment)
        {
            if (value is null)
            {
                psi.Environment.Remove(key);
            }
            else
            {
                psi.Environment[key] = value;
            }
        }

        return psi;
    }

    private void Forward(ProcessSpec spec, string? line, bool stderr, LogLevel level, ChildProcess child)
    {
        child.OnLine(line, stderr);
        if (line is not null && spec.ConsumeLine?.Invoke(line) != true)
        {
            LogOutput(level, spec.LogName, line);
        }
    }

    [LoggerMessage(EventId = 3101, Level = LogLevel.Information, Message = "started {Program} (pid {Pid}) as {User}")]
    private partial void LogStarted(string program, int pid, string user);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Debug, Message = "{Program} (pid {Pid}) exited with code {ExitCode}")]
    private partial void LogExited(string program, int pid, int exitCode);

    [LoggerMessage(EventId = 3103, Level = LogLevel.Warning, Message = "{Program} (pid {Pid}) did not finish within {Seconds} s; killed")]
    private partial void LogTimedOut(string program, int pid, double seconds);

    [LoggerMessage(EventId = 3104, Message = "{Program}: {Line}")]
    private partial void LogOutput(LogLevel level, string program, string line);
}
