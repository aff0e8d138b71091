using Microsoft.Extensions.Hosting;

namespace NodeAgent.Api.Hosting;

/// <summary>
/// Replaces the console lifetime: the API is embedded in the agent, which owns SIGTERM and Ctrl+C;
/// the web host must not stop itself on a signal.
/// </summary>
internal sealed class EmbeddedHostLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
