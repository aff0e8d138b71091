using NodeAgent.Ctl.Cli;

namespace NodeAgent.Ctl.Cli;

/// <summary>Bad command line: click prints the usage line, a hint and "Error: ..." and exits with 2.</summary>
internal sealed class CtlUsageException : Exception
{
    public CtlUsageException(string message) : base(message)
    {
    }

    public CtlUsageException()
    {
    }

    public CtlUsageException(string message, Exception inner) : base(message, inner)
    {
    }

    /// <summary>The command whose usage to show; null for the top level.</summary>
    public CommandSpec? Command { get; init; }

    /// <summary>click reports bad option values without the usage lines.</summary>
    public bool Bare { get; init; }
}
