using Microsoft.Extensions.Logging;

namespace NodeAgent.Tests.Simulation;

/// <summary>Puts an agent's log lines (one per HA cycle, in the operator's words) into a replay's trace.</summary>
internal sealed class SimTraceLogger<T>(HaSimulation sim, string node) : ILogger<T>
{
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        sim.Log($"{node}: {formatter(state, exception)}{(exception is null ? "" : ": " + exception.Message)}");
    }
}
