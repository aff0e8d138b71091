using Microsoft.Extensions.Logging;

namespace NodeAgent.Api.Hosting;

/// <summary>Sends the embedded web host's logs to the agent's logger factory, so one pipeline formats everything.</summary>
internal sealed class ForwardingLoggerProvider(ILoggerFactory target) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => target.CreateLogger(categoryName);

    public void Dispose()
    {
        // The target factory belongs to the agent.
    }
}
