namespace NodeAgent.Processes;

/// <summary>What to run: a binary, its arguments, extra environment and the deadline of one run.</summary>
internal sealed record ProcessSpec
{
    public required string FileName { get; init; }
    public IReadOnlyList<string> Arguments { get; init; } = [];
    /// <summary>Added to (or overriding) the inherited environment; a null value removes the variable.</summary>
    public IReadOnlyDictionary<string, string?> Environment { get; init; } = new Dictionary<string, string?>();
    /// <summary>Run as this OS user when the agent is root (postgres refuses root).</summary>
    public OsUser? RunAs { get; init; }
    /// <summary>Start in a new session (setsid) so signals to the agent's process group do not reach it.</summary>
    public bool NewSession { get; init; }
    public string? WorkingDirectory { get; init; }
    /// <summary>Short name used in log lines, e.g. "initdb".</summary>
    public required string LogName { get; init; }
    /// <summary>Output lines are logged at Debug instead of Information.</summary>
    public bool QuietOutput { get; init; }
    /// <summary>Give the child a pipe on stdin (<see cref="ChildProcess.StandardInput"/>); otherwise it reads /dev/null.</summary>
    public bool RedirectStandardInput { get; init; }
    /// <summary>Sees every output line first; a line it returns true for is not logged (a progress line it reports itself).</summary>
    public Func<string, bool>? ConsumeLine { get; init; }
    /// <summary>Keep at most this many output lines in the result (the rest is only logged).</summary>
    public int MaxCapturedLines { get; init; } = 2000;
}

/// <summary>How a bounded run ended.</summary>
internal sealed record ProcessResult(int ExitCode, bool TimedOut, IReadOnlyList<string> Output)
{
    public bool Succeeded => !TimedOut && ExitCode == 0;
}
