namespace NodeAgent.Ctl;

/// <summary>
/// Where agentctl reads and writes, and click's prompts: <c>prompt</c> shows "text [default]: ",
/// <c>confirm</c> shows "text [y/N]: ". Answers come from <see cref="In"/> whether or not it is a
/// terminal; end of input aborts like click ("Aborted!").
/// </summary>
internal sealed class CtlConsole
{
    public CtlConsole(TextReader input, TextWriter output, TextWriter error)
    {
        In = input;
        Out = output;
        Error = error;
    }

    public TextReader In { get; }
    public TextWriter Out { get; }
    public TextWriter Error { get; }

    public static CtlConsole System() => new(Console.In, Console.Out, Console.Error);

    public void Echo(string text) => Out.Write(text + "\n");

    /// <summary>click.prompt(text, default=...): re-asks on an empty answer when there is no default.</summary>
    public string Prompt(string text, string? defaultValue = null)
    {
        var shown = defaultValue is null ? text : $"{text} [{defaultValue}]";
        while (true)
        {
            Out.Write(shown + ": ");
            Out.Flush();
            var line = In.ReadLine() ?? throw new CtlAbortedException();
            if (line.Length > 0)
            {
                return line;
            }

            if (defaultValue is not null)
            {
                return defaultValue;
            }
        }
    }

    /// <summary>click.confirm(text): y/yes or n/no, empty means no.</summary>
    public bool Confirm(string text)
    {
        while (true)
        {
            Out.Write(text + " [y/N]: ");
            Out.Flush();
            var line = (In.ReadLine() ?? throw new CtlAbortedException()).Trim().ToLowerInvariant();
            switch (line)
            {
                case "y" or "yes":
                    return true;
                case "" or "n" or "no":
                    return false;
                default:
                    Error.Write("Error: invalid input\n");
                    break;
            }
        }
    }
}

/// <summary>Input ended while a prompt waited: click prints "Aborted!" and exits with 1.</summary>
internal sealed class CtlAbortedException : Exception
{
    public CtlAbortedException() : base("Aborted!")
    {
    }

    public CtlAbortedException(string message) : base(message)
    {
    }

    public CtlAbortedException(string message, Exception inner) : base(message, inner)
    {
    }
}
