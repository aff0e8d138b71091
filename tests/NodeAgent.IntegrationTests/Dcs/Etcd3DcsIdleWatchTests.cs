using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using NodeAgent.Configuration;
using NodeAgent.Dcs.Etcd3;
using NodeAgent.IntegrationTests.Cluster;
using NodeAgent.IntegrationTests.Fixtures;

namespace NodeAgent.IntegrationTests.Dcs;

/// <summary>
/// etcd's gRPC server answers HTTP/2 pings sent more often than its <c>--grpc-keepalive-min-time</c> (5 s by default)
/// with no response data in between by closing the connection (GOAWAY ENHANCE_YOUR_CALM). An agent whose watch sees no
/// event for a while (seed timers, a long clone) must keep its watch and its member.
/// </summary>
public sealed class Etcd3DcsIdleWatchTests
{
    /// <summary>With pings every 2 s the server closed the connection after its third strike, 6-8 s into an idle stretch.</summary>
    private static readonly TimeSpan IdleWindow = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task An_idle_watch_is_not_closed_by_etcd_for_too_many_pings()
    {
        await using var cluster = await EtcdCluster.StartAsync(1);
        var logger = new WarningLogger();
        var scope = Etcd3DcsFactory.NewScope();
        await using var dcs = new Etcd3Dcs(Etcd3DcsFactory.Config(cluster, scope, "pg1"), new DynamicConfig { Ttl = 30, RetryTimeout = 10 }, logger, TimeProvider.System);
        await dcs.StartAsync(default);
        Assert.True(await dcs.AttemptToAcquireLeaderAsync(default));

        await ObservedWindow.NeverAsync(IdleWindow, () => Task.FromResult(logger.Warnings.TryPeek(out var warning) ? warning : null));

        // The watch still delivers: the connection it runs on was not closed under it.
        await dcs.TouchMemberAsync(Etcd3DcsFactory.Member("127.0.0.1"), default);
        await Poll.UntilAsync(() => dcs.Current?.FindMember("pg1") is not null, TimeSpan.FromSeconds(10), "the watch to deliver the member key");
        Assert.Empty(logger.Warnings);
    }

    private sealed class WarningLogger : ILogger<Etcd3Dcs>
    {
        public ConcurrentQueue<string> Warnings { get; } = new();

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel >= LogLevel.Warning)
            {
                Warnings.Enqueue(formatter(state, exception));
            }
        }
    }
}
