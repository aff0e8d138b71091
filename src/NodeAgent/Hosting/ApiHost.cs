using Microsoft.Extensions.Logging;
using NodeAgent.Api.Status;
using NodeAgent.Configuration;

namespace NodeAgent.Hosting;

/// <summary>Maps the agent's config onto the REST server of NodeAgent.Api and owns its lifetime.</summary>
internal sealed class ApiHost(AgentConfig config, StatusBoard board, TimeProvider time, ILoggerFactory loggers) : IAsyncDisposable
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = config;
        _ = board;
        _ = time;
        _ = loggers;
        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
