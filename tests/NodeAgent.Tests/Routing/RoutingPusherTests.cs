using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using NodeAgent.Configuration;
using NodeAgent.Routing;

namespace NodeAgent.Tests.Routing;

public sealed class RoutingPusherTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private static HaproxyRuntimeConfig Config(double timeout = 1) => new() { Addresses = ["/run/haproxy/admin.sock"], Timeout = timeout };

    [Fact]
    public async Task A_promotion_lists_the_primary_backend_then_sends_the_promotion_commands_on_one_line()
    {
        var api = new ScriptedApi();
        await using var pusher = new RoutingPusher(Config(), "u5", api, TimeProvider.System, new SafeLogger<RoutingPusher>());

        pusher.Promoted();

        Assert.True(await Eventually.HoldsAsync(() => pusher.Applied == RoutingRole.Primary, Patience));
        Assert.Equal(
            [
                "show servers state primary",
                "set server primary/u4 health down; set server primary/u6 health down; set server primary/u5 state ready; "
                    + "set server primary/u5 health up; set server replica/u5 health down",
            ],
            api.Sent);
    }

    [Fact]
    public async Task A_demotion_withdraws_this_server()
    {
        var api = new ScriptedApi();
        await using var pusher = new RoutingPusher(Config(), "u4", api, TimeProvider.System, new SafeLogger<RoutingPusher>());

        pusher.Withdraw();

        Assert.True(await Eventually.HoldsAsync(() => pusher.Applied == RoutingRole.Withdrawn, Patience));
        Assert.Equal(["set server primary/u4 health down"], api.Sent);
    }

    [Fact]
    public async Task Confirming_a_settled_primary_sends_nothing_more()
    {
        var api = new ScriptedApi();
        await using var pusher = new RoutingPusher(Config(), "u5", api, TimeProvider.System, new SafeLogger<RoutingPusher>());
        pusher.Promoted();
        Assert.True(await Eventually.HoldsAsync(() => pusher.Completed == 1, Patience));
        var sent = api.Sent.Count;

        pusher.Confirm(primaryWithLock: true);
        pusher.Confirm(primaryWithLock: true);
        pusher.Withdraw();

        // The withdrawal is the next thing sent: the two confirmations added nothing before it.
        Assert.True(await Eventually.HoldsAsync(() => pusher.Completed == 2, Patience));
        Assert.Equal(["set server primary/u5 health down"], api.Sent.Skip(sent));
    }

    [Fact]
    public async Task A_refusing_api_is_logged_once_and_retried_at_each_confirmation_until_it_takes_the_push()
    {
        var api = new ScriptedApi { Failure = "Permission denied\n\n" };
        var logger = new SafeLogger<RoutingPusher>();
        await using var pusher = new RoutingPusher(Config(), "u5", api, TimeProvider.System, logger);

        pusher.Promoted();
        Assert.True(await Eventually.HoldsAsync(() => pusher.Completed == 1, Patience));
        pusher.Confirm(primaryWithLock: true);
        Assert.True(await Eventually.HoldsAsync(() => pusher.Completed == 2, Patience));
        pusher.Confirm(primaryWithLock: true);
        Assert.True(await Eventually.HoldsAsync(() => pusher.Completed == 3, Patience));

        Assert.Equal(RoutingRole.None, pusher.Applied);
        var warning = Assert.Single(logger.Entries, e => e.Level == LogLevel.Warning);
        Assert.Contains("Permission denied", warning.Message, StringComparison.Ordinal);
        Assert.Contains("health checks", warning.Message, StringComparison.Ordinal);

        api.Failure = null;
        pusher.Confirm(primaryWithLock: true);
        Assert.True(await Eventually.HoldsAsync(() => pusher.Applied == RoutingRole.Primary, Patience));
        Assert.Contains(logger.Entries, e => e.Message.Contains("takes pushes again", StringComparison.Ordinal));
        Assert.Single(logger.Entries, e => e.Level == LogLevel.Warning);
    }

    [Fact]
    public async Task A_node_that_lost_the_lock_stops_retrying()
    {
        var api = new ScriptedApi { Failure = "No such backend.\n\n" };
        await using var pusher = new RoutingPusher(Config(), "u5", api, TimeProvider.System, new SafeLogger<RoutingPusher>());
        pusher.Promoted();
        Assert.True(await Eventually.HoldsAsync(() => pusher.Completed == 1, Patience));
        var sent = api.Sent.Count;

        pusher.Confirm(primaryWithLock: false);
        pusher.Confirm(primaryWithLock: false);
        pusher.Withdraw();

        Assert.True(await Eventually.HoldsAsync(() => pusher.Completed == 2, Patience));
        Assert.Equal(["set server primary/u5 health down"], api.Sent.Skip(sent));
    }

    [Fact]
    public async Task A_silent_api_is_given_up_on_at_the_deadline_and_the_caller_never_waits()
    {
        var api = new ScriptedApi { Hang = true };
        var logger = new SafeLogger<RoutingPusher>();
        await using var pusher = new RoutingPusher(Config(timeout: 0.2), "u5", api, TimeProvider.System, logger);

        var calling = System.Diagnostics.Stopwatch.StartNew();
        pusher.Promoted();
        pusher.Confirm(primaryWithLock: true);
        calling.Stop();

        Assert.True(await Eventually.HoldsAsync(() => pusher.Completed == 1, Patience));
        Assert.Contains(logger.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("did not answer within 0.2 s", StringComparison.Ordinal));
        Assert.True(calling.Elapsed < TimeSpan.FromSeconds(0.2), $"the HA cycle's calls took {calling.Elapsed}");
    }

    [Fact]
    public async Task A_missing_unix_socket_is_reported_as_unreachable()
    {
        var logger = new SafeLogger<RoutingPusher>();
        var config = Config() with { Addresses = [Path.Combine(Path.GetTempPath(), $"no-haproxy-{Guid.NewGuid():N}.sock")] };
        await using var pusher = new RoutingPusher(config, "u4", new RuntimeApiClient(), TimeProvider.System, logger);

        pusher.Withdraw();

        Assert.True(await Eventually.HoldsAsync(() => pusher.Completed == 1, Patience));
        Assert.Contains(logger.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("cannot be reached", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_refused_tcp_port_is_reported_as_unreachable()
    {
        // A port that was free a moment ago: nothing listens there.
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var logger = new SafeLogger<RoutingPusher>();
        await using var pusher = new RoutingPusher(Config() with { Addresses = [$"127.0.0.1:{port}"] }, "u4", new RuntimeApiClient(), TimeProvider.System, logger);

        pusher.Withdraw();

        Assert.True(await Eventually.HoldsAsync(() => pusher.Completed == 1, Patience));
        Assert.Contains(logger.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("cannot be reached", StringComparison.Ordinal));
    }

    /// <summary>Answers like HAProxy 2.6 with the seed's primary backend, or with <see cref="Failure"/>, or never.</summary>
    private sealed class ScriptedApi : IRuntimeApi
    {
        private readonly ConcurrentQueue<string> _sent = new();

        public string? Failure { get; set; }

        public bool Hang { get; init; }

        public IReadOnlyList<string> Sent => [.. _sent];

        public async Task<string> SendAsync(string address, string command, CancellationToken cancellationToken)
        {
            _sent.Enqueue(command);
            if (Hang)
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }

            return Failure ?? (command.StartsWith("show servers state", StringComparison.Ordinal) ? RuntimeCommandsTests.ServersState : "\n");
        }
    }

    private sealed class SafeLogger<T> : ILogger<T>
    {
        private readonly ConcurrentQueue<(LogLevel Level, string Message)> _entries = new();

        public IReadOnlyList<(LogLevel Level, string Message)> Entries => [.. _entries];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            _entries.Enqueue((logLevel, formatter(state, exception)));
    }
}
