using System.Diagnostics;
using System.Text;

namespace NodeAgent.IntegrationTests.Fixtures;

/// <summary>
/// A process started by a test: stdout and stderr go to a log file (so noisy servers stay quiet and
/// their log can be quoted on failure), and dispose kills the whole tree by PID.
/// </summary>
public sealed class ChildProcess : IAsyncDisposable, IDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly Lock _logGate = new();
    private bool _logClosed;

    private ChildProcess(Process process, StreamWriter log, string logPath)
    {
        _process = process;
        _log = log;
        LogPath = logPath;
    }

    public int Pid => _process.Id;

    public string LogPath { get; }

    public bool HasExited => _process.HasExited;

    public int? ExitCode => _process.HasExited ? _process.ExitCode : null;

    /// <summary>
    /// Starts <paramref name="fileName"/> with its output appended to <paramref name="logPath"/>.
    /// <paramref name="configure"/> may set environment, user or working directory before start.
    /// </summary>
    public static ChildProcess Start(
        string fileName, IEnumerable<string> arguments, string logPath, Action<ProcessStartInfo>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var psi = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            psi.ArgumentList.Add(argument);
        }
        configure?.Invoke(psi);
        var log = new StreamWriter(new FileStream(logPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite), Encoding.UTF8)
        {
            AutoFlush = true,
        };
        var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        var child = new ChildProcess(process, log, logPath);
        process.OutputDataReceived += (_, e) => child.Append(e.Data);
        process.ErrorDataReceived += (_, e) => child.Append(e.Data);
        try
        {
            process.Start();
        }
        catch
        {
            log.Dispose();
            process.Dispose();
            throw;
        }
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Sends a POSIX signal to the process itself (not its children).</summary>
    public bool Signal(int signal) => !_process.HasExited && Signals.Send(_process.Id, signal);

    /// <summary>SIGKILL to the process and every descendant.</summary>
    public void KillTree()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Exited between the check and the kill.
        }
    }

    /// <summary>True if the process exited within <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Blocking wait: true if the process exited within <paramref name="timeout"/>.</summary>
    public bool WaitForExit(TimeSpan timeout) => _process.WaitForExit(timeout);

    /// <summary>Blocking form of <see cref="StopAsync"/>.</summary>
    public void Stop(TimeSpan grace, int signal = Signals.SigTerm)
    {
        Signal(Signals.SigCont);
        Signal(signal);
        if (!_process.WaitForExit(grace))
        {
            KillTree();
            _process.WaitForExit(TimeSpan.FromSeconds(10));
        }
    }

    /// <summary>Sends <paramref name="signal"/>, waits up to <paramref name="grace"/>, then kills the tree.</summary>
    public async Task StopAsync(TimeSpan grace, int signal = Signals.SigTerm)
    {
        // A frozen process cannot act on SIGTERM: wake it first.
        Signal(Signals.SigCont);
        Signal(signal);
        if (!await WaitForExitAsync(grace))
        {
            KillTree();
            await WaitForExitAsync(TimeSpan.FromSeconds(10));
        }
    }

    /// <summary>The last <paramref name="lines"/> lines of the log, for exception messages.</summary>
    public string LogTail(int lines = 30) => ReadTail(LogPath, lines);

    /// <summary>The last lines of any log file, or a note if it cannot be read.</summary>
    public static string ReadTail(string path, int lines)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            var all = reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
            return string.Join('\n', all.TakeLast(lines));
        }
        catch (IOException ex)
        {
            return $"(log {path} unreadable: {ex.Message})";
        }
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Kills the tree (blocking until it is gone, 10 s at most) and closes the log.</summary>
    public void Dispose()
    {
        KillTree();
        _process.WaitForExit(TimeSpan.FromSeconds(10));
        lock (_logGate)
        {
            _logClosed = true;
            _log.Dispose();
        }
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_logGate)
        {
            if (!_logClosed)
            {
                _log.WriteLine(line);
            }
        }
    }
}
