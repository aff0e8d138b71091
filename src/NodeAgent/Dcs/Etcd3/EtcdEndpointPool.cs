using Etcdserverpb;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using NodeAgent.Configuration;

namespace NodeAgent.Dcs.Etcd3;

/// <summary>
/// The etcd members, one channel each (pitfalls.md "etcd through dotnet-etcd"): calls stick to one
/// member and move to the next on any transport error. Each attempt has its own deadline
/// (retry_timeout split over the members, at least 1 s) and all attempts share one retry_timeout
/// budget; when it is spent the call throws <see cref="DcsUnavailableException"/>.
/// </summary>
internal sealed partial class EtcdEndpointPool : IDisposable
{
    private static readonly TimeSpan MinAttempt = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxRoundDelay = TimeSpan.FromSeconds(1);

    private readonly SocketsHttpHandler _handler;
    private readonly EtcdEndpoint[] _endpoints;
    private readonly Etcd3Config _config;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private int _current;
    private long _retryTimeoutTicks = TimeSpan.FromSeconds(10).Ticks;

    public EtcdEndpointPool(Etcd3Config config, TimeProvider time, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(config);
        _config = config;
        _time = time;
        _logger = logger;
        _handler = EtcdChannelFactory.CreateHandler(config, MinAttempt);
        _endpoints = EtcdChannelFactory.Endpoints(config)
            .Select(uri => new EtcdEndpoint(uri, EtcdChannelFactory.Create(uri, _handler)))
            .ToArray();
    }

    /// <summary>Raised after the pool moved to another member (the watch follows it).</summary>
    public event Action? Switched;

    public int Count => _endpoints.Length;

    public EtcdEndpoint Current => _endpoints[Volatile.Read(ref _current)];

    public TimeSpan RetryTimeout
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _retryTimeoutTicks));
        set => Interlocked.Exchange(ref _retryTimeoutTicks, Math.Max(value.Ticks, MinAttempt.Ticks));
    }

    /// <summary>Deadline of one attempt: retry_timeout / members, at least 1 s (Patroni's <c>_calculate_timeouts</c>).</summary>
    public TimeSpan AttemptTimeout => TimeSpan.FromTicks(Math.Max(MinAttempt.Ticks, RetryTimeout.Ticks / _endpoints.Length));

    /// <summary>Runs <paramref name="call"/> against the current member, then the next ones, within retry_timeout.</summary>
    public async Task<T> ExecuteAsync<T>(string operation, Func<EtcdEndpoint, CallOptions, Task<T>> call, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        var started = _time.GetTimestamp();
        var budget = RetryTimeout;
        var failuresInRound = 0;
        Exception? last = null;
        while (true)
        {
            var remaining = budget - _time.GetElapsedTime(started);
            if (remaining <= TimeSpan.Zero)
            {
                throw new DcsUnavailableException($"etcd {operation} failed on every member within {budget.TotalSeconds:0.#} s", last!);
            }

            var endpoint = Current;
            var attempt = remaining < AttemptTimeout ? remaining : AttemptTimeout;
            using var attemptCts = new CancellationTokenSource(attempt, _time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, attemptCts.Token);
            try
            {
                await EnsureAuthenticatedAsync(endpoint, attempt, linked.Token).ConfigureAwait(false);
                var options = new CallOptions(endpoint.Headers, DateTime.UtcNow + attempt, linked.Token);
                return await call(endpoint, options).ConfigureAwait(false);
            }
            catch (RpcException ex) when (cancellationToken.IsCancellationRequested)
            {
                // The caller's deadline fired inside gRPC: report it as a cancellation, which every caller
                // already treats as "etcd did not answer in time", not as an unexpected error of the cycle.
                throw new OperationCanceledException($"etcd {operation} cancelled: {ex.Status.Detail}", ex, cancellationToken);
            }
            catch (Exception ex) when (IsTransient(ex, cancellationToken))
            {
                last = ex;
                if (ex is RpcException { StatusCode: StatusCode.Unauthenticated } || IsAuthError(ex))
                {
                    endpoint.Token = null;
                }

                LogAttemptFailed(endpoint.ToString(), operation, Describe(ex));
                MoveFrom(endpoint);
                if (++failuresInRound >= _endpoints.Length)
                {
                    // Every member failed once: pause before the next round, like Patroni's Retry(max_delay=1).
                    failuresInRound = 0;
                    var pause = budget - _time.GetElapsedTime(started);
                    pause = pause < MaxRoundDelay ? pause : MaxRoundDelay;
                    if (pause > TimeSpan.Zero)
                    {
                        await Task.Delay(pause, _time, cancellationToken).ConfigureAwait(false);
                    }
                }
            }
        }
    }

    /// <summary>Moves to the next member unless someone already moved away from <paramref name="failed"/>.</summary>
    public void MoveFrom(EtcdEndpoint failed)
    {
        var index = Array.IndexOf(_endpoints, failed);
        if (index >= 0 && Interlocked.CompareExchange(ref _current, (index + 1) % _endpoints.Length, index) == index)
        {
            if (_endpoints.Length > 1)
            {
                LogSwitched(_endpoints[(index + 1) % _endpoints.Length].ToString());
            }

            Switched?.Invoke();
        }
    }

    /// <summary>Errors that mean "this member did not answer"; ours to retry elsewhere.</summary>
    public static bool IsTransient(Exception ex, CancellationToken callerToken)
    {
        if (callerToken.IsCancellationRequested)
        {
            return false;
        }

        return ex switch
        {
            RpcException rpc => rpc.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Internal
                or StatusCode.Unknown or StatusCode.Cancelled or StatusCode.Unauthenticated || IsAuthError(rpc),
            OperationCanceledException => true,
            HttpRequestException or IOException => true,
            _ => false,
        };
    }

    private static bool IsAuthError(Exception ex) =>
        ex is RpcException rpc && (rpc.Status.Detail.Contains("invalid auth token", StringComparison.OrdinalIgnoreCase)
            || rpc.Status.Detail.Contains("user name is empty", StringComparison.OrdinalIgnoreCase));

    private static string Describe(Exception ex) => ex is RpcException rpc ? $"{rpc.StatusCode}: {rpc.Status.Detail}" : ex.GetType().Name;

    private async Task EnsureAuthenticatedAsync(EtcdEndpoint endpoint, TimeSpan attempt, CancellationToken cancellationToken)
    {
        if (endpoint.Token is not null || string.IsNullOrEmpty(_config.Username))
        {
            return;
        }

        var response = await endpoint.Auth.AuthenticateAsync(
            new AuthenticateRequest { Name = _config.Username, Password = _config.Password ?? string.Empty },
            deadline: DateTime.UtcNow + attempt,
            cancellationToken: cancellationToken).ConfigureAwait(false);
        endpoint.Token = response.Token;
    }

    public void Dispose()
    {
        foreach (var endpoint in _endpoints)
        {
            endpoint.Dispose();
        }

        _handler.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "etcd member {Endpoint} did not answer {Operation}: {Reason}")]
    private partial void LogAttemptFailed(string endpoint, string operation, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "switching to etcd member {Endpoint}")]
    private partial void LogSwitched(string endpoint);
}
