using Microsoft.Extensions.Logging;
using NodeAgent.Configuration;

namespace NodeAgent.Routing;

/// <summary>
/// Pushes this node's routing role to every configured HAProxy from a worker of its own: the latest wish wins, a push
/// overtaken by a newer one is cancelled, and each push to each HAProxy has <see cref="HaproxyRuntimeConfig.Timeout"/>.
/// A failure is logged once until the outcome for that HAProxy changes; the health checks route meanwhile.
/// </summary>
public sealed partial class RoutingPusher : IRoutingPush, IAsyncDisposable
{
    private readonly HaproxyRuntimeConfig _config;
    private readonly string _server;
    private readonly IRuntimeApi _api;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _signal = new(0, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly Dictionary<string, string?> _lastProblem = new(StringComparer.Ordinal);
    private readonly Task _worker;
    private RoutingRole _wanted = RoutingRole.None;
    private bool _settled = true;
    private CancellationTokenSource? _current;

    public RoutingPusher(HaproxyRuntimeConfig config, string memberName, IRuntimeApi api, TimeProvider time, ILogger<RoutingPusher> logger)
    {
        ArgumentNullException.ThrowIfNull(config);
        _config = config;
        _server = config.ServerName(memberName);
        _api = api;
        _time = time;
        _logger = logger;
        _worker = Task.Run(WorkAsync);
    }

    /// <summary>Pushes completed, failed or not (tests wait on it).</summary>
    public int Completed { get; private set; }

    /// <summary>The role of the last push that every HAProxy took; None before the first.</summary>
    public RoutingRole Applied { get; private set; }

    public bool Withdrawn => Applied == RoutingRole.Withdrawn;

    public void Promoted() => Want(RoutingRole.Primary);

    public void Withdraw() => Want(RoutingRole.Withdrawn);

    public void Confirm(bool primaryWithLock)
    {
        lock (_gate)
        {
            if (!primaryWithLock)
            {
                // Only the lock holder pushes: a primary push still pending or being retried is dropped.
                if (_wanted == RoutingRole.Primary)
                {
                    _wanted = RoutingRole.None;
                    _current?.Cancel();
                }

                return;
            }

            if (_wanted == RoutingRole.Primary && (_settled || _current is not null))
            {
                return;
            }
        }

        Want(RoutingRole.Primary);
    }

    private void Want(RoutingRole role)
    {
        lock (_gate)
        {
            if (_wanted != role)
            {
                _current?.Cancel();
            }

            _wanted = role;
            _settled = false;
        }

        if (_signal.CurrentCount == 0)
        {
            try
            {
                _signal.Release();
            }
            catch (SemaphoreFullException)
            {
                // Already signalled; the worker reads the latest wish anyway.
            }
        }
    }

    private async Task WorkAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await _signal.WaitAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            RoutingRole role;
            CancellationTokenSource current;
            lock (_gate)
            {
                role = _wanted;
                if (role == RoutingRole.None || _settled)
                {
                    continue;
                }

                current = _current = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            }

            var pushes = _config.Addresses.Select(a => PushAsync(a, role, current.Token)).ToArray();
            var ok = (await Task.WhenAll(pushes).ConfigureAwait(false)).All(x => x);
            lock (_gate)
            {
                _current = null;
                if (_wanted == role && !current.IsCancellationRequested)
                {
                    // A failed primary push stays unsettled: the next cycle's Confirm tries again.
                    _settled = ok || role != RoutingRole.Primary;
                }

                if (ok)
                {
                    Applied = role;
                }

                Completed++;
            }

            current.Dispose();
        }
    }

    private async Task<bool> PushAsync(string address, RoutingRole role, CancellationToken overtaken)
    {
        var started = _time.GetTimestamp();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(overtaken);
        deadline.CancelAfter(TimeSpan.FromSeconds(_config.Timeout));
        try
        {
            IReadOnlyList<string> commands;
            if (role == RoutingRole.Primary)
            {
                var list = RuntimeCommands.ListPrimaryServers(_config);
                var servers = RuntimeCommands.ParseServers(await _api.SendAsync(address, list, deadline.Token).ConfigureAwait(false), _config.PrimaryBackend);
                commands = RuntimeCommands.Promote(_config, _server, servers);
            }
            else
            {
                commands = RuntimeCommands.Withdraw(_config, _server);
            }

            // One connection for the whole change: HAProxy runs ';'-separated commands in order, and the new primary is
            // routed to one round trip sooner than with a connection per command.
            var line = RuntimeCommands.OneLine(commands);
            RuntimeCommands.CheckSetAnswer(line, await _api.SendAsync(address, line, deadline.Token).ConfigureAwait(false));

            Report(address, null);
            LogPushed(_logger, address, _server, Describe(role), commands.Count, _time.GetElapsedTime(started).TotalMilliseconds);
            return true;
        }
        catch (OperationCanceledException) when (overtaken.IsCancellationRequested)
        {
            // A newer wish (or shutdown) took over; it reports for itself.
            return false;
        }
        catch (OperationCanceledException)
        {
            Report(address, $"did not answer within {_config.Timeout} s");
            return false;
        }
        catch (Exception e) when (e is RuntimeApiException or IOException or System.Net.Sockets.SocketException)
        {
            Report(address, e.Message);
            return false;
        }
    }

    /// <summary>Logs a problem once while it lasts, and the recovery from it.</summary>
    private void Report(string address, string? problem)
    {
        string? previous;
        lock (_gate)
        {
            _lastProblem.TryGetValue(address, out previous);
            _lastProblem[address] = problem;
        }

        if (problem is not null && problem != previous)
        {
            LogPushFailed(_logger, address, problem);
        }
        else if (problem is null && previous is not null)
        {
            LogPushRecovered(_logger, address);
        }
    }

    private static string Describe(RoutingRole role) => role == RoutingRole.Primary
        ? "up in the primary backend, every other server there down"
        : "down in the primary backend";

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _worker.ConfigureAwait(false);
        _stop.Dispose();
        _signal.Dispose();
    }
}
