namespace NodeAgent.Logging;

/// <summary>Where formatted log lines go: the rotating file under <c>log.dir</c>, or standard error.</summary>
internal interface ILogLineSink : IDisposable
{
    void Write(string line);

    void Flush();
}

/// <summary>Standard error, where Patroni's logger writes without <c>log.dir</c>.</summary>
internal sealed class StandardErrorSink : ILogLineSink
{
    private readonly StreamWriter _writer = new(Console.OpenStandardError()) { AutoFlush = false };

    public void Write(string line) => _writer.Write(line + "\n");

    public void Flush() => _writer.Flush();

    public void Dispose() => _writer.Dispose();
}

/// <summary>The rotating file as a sink.</summary>
internal sealed class RotatingFileSink(RotatingLogFile file) : ILogLineSink
{
    public void Write(string line) => file.Write(line);

    public void Flush() => file.Flush();

    public void Dispose() => file.Dispose();
}
