namespace NodeAgent.Ctl;

/// <summary>A refused operation: "Error: ..." on stderr, exit code 1 (patronictl's PatroniCtlException).</summary>
internal sealed class CtlException : Exception
{
    public CtlException(string message) : base(message)
    {
    }

    public CtlException()
    {
    }

    public CtlException(string message, Exception inner) : base(message, inner)
    {
    }
}
