using System.Diagnostics;

namespace NodeAgent.Processes;

/// <summary>A started child: its PID, exit wait and the output lines captured so far.</summary>
internal sealed class ChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly List<string> _output = [];
    private readonly int _maxLines;
    private readonly TaskCompletionSource _outputClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _errorClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ChildProcess(Process process, int maxLines)
    {
        _process = process;
        _maxLines = maxLines;
    }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>The child's stdin, when started with <see cref="ProcessSpec.RedirectStandardInput"/>.</summary>
    public StreamWriter StandardInput => _process.StandardInput;

    public IReadOnlyList<string> Output
    {
        get
        {
            lock (_output)
            {
                return [.. _output];
            }
        }
    }

    /// <summary>Waits for the exit and for both output streams to drain.</summary>
    public async Task WaitForExitAsync(CancellationToken cancellationToken)
    {
        await _process.WaitForExitAsync(cancellationToken);
        await Task.WhenAll(_outputClosed.Task, _errorClosed.Task).WaitAsync(TimeSpan.FromSeconds(5), cancellationToken)
            .ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    public void KillTree()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
    }

    internal void OnLine(string? line, bool stderr)
    {
        if (line is null)
        {
            (stderr ? _errorClosed : _outputClosed).TrySetResult();
            return;
        }

        lock (_output)
        {
            if (_output.Count < _maxLines)
            {
                _output.Add(line);
            }
        }
    }

    public void Dispose() => _process.Dispose();
}
