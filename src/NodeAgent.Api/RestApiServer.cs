using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NodeAgent.Api.Commands;
using NodeAgent.Api.Grpc;
using NodeAgent.Api.Hosting;
using NodeAgent.Api.Http;
using NodeAgent.Api.Status;

namespace NodeAgent.Api;

/// <summary>
/// Patroni's REST API on Kestrel (HTTP/1.0 and 1.1, keep-alive), plus optional grpc.health.v1 on a
/// separate HTTP/2 cleartext port. Answers from the <see cref="StatusBoard"/> only; commands go to
/// the <see cref="IApiCommandSink"/>.
/// </summary>
public sealed partial class RestApiServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ILogger _logger;
    private readonly List<ListenOptions> _restListeners = [];
    private readonly List<ListenOptions> _grpcListeners = [];
    private int _state; // 0 created, 1 started, 2 stopped

    public RestApiServer(RestApiOptions options, StatusBoard board, IApiCommandSink sink, TimeProvider? time = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        time ??= TimeProvider.System;
        _logger = (loggerFactory ?? Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance).CreateLogger<RestApiServer>();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        if (loggerFactory is not null)
        {
            builder.Logging.AddProvider(new ForwardingLoggerProvider(loggerFactory));
        }

        // No per-request logs: health checks arrive every few seconds from every HAProxy.
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.Logging.AddFilter("Grpc", LogLevel.Warning);
        builder.Services.AddSingleton<IHostLifetime, EmbeddedHostLifetime>();
        ConfigureKestrel(builder, options);

        var clock = new StatusClock(time);
        if (options.GrpcListen is not null)
        {
            builder.Services.AddGrpc();
            builder.Services.AddSingleton(new SnapshotHealthService(board, clock));
        }

        _app = builder.Build();
        if (options.GrpcListen is not null)
        {
            _app.MapGrpcService<SnapshotHealthService>();
        }

        var dispatcher = new RequestDispatcher(
            new StatusHandlers(board, clock),
            new CommandHandlers(sink, board, new AccessPolicy(options), time));
        // gRPC calls fall through to the endpoint middleware WebApplication appends; REST never does.
        _app.Use((context, next) => IsGrpcConnection(context) ? next(context) : dispatcher.DispatchAsync(context));
    }

    /// <summary>The REST endpoints actually bound (port 0 resolved), valid after <see cref="StartAsync"/>.</summary>
    public IReadOnlyList<IPEndPoint> RestEndpoints => _restListeners.Select(l => l.IPEndPoint!).ToArray();

    /// <summary>The gRPC health endpoints actually bound, empty when gRPC is off.</summary>
    public IReadOnlyList<IPEndPoint> GrpcEndpoints => _grpcListeners.Select(l => l.IPEndPoint!).ToArray();

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.CompareExchange(ref _state, 1, 0) != 0)
        {
            throw new InvalidOperationException("The REST API server was already started.");
        }

        return StartCoreAsync(cancellationToken);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.CompareExchange(ref _state, 2, 1) == 1)
        {
            await _app.StopAsync(cancellationToken);
            Log.Stopped(_logger);
        }
    }

    private async Task StartCoreAsync(CancellationToken cancellationToken)
    {
        await _app.StartAsync(cancellationToken);
        Log.RestListening(_logger, string.Join(", ", RestEndpoints));
        if (_grpcListeners.Count > 0)
        {
            Log.GrpcListening(_logger, string.Join(", ", GrpcEndpoints));
        }
    }

    public async ValueTask DisposeAsync()
    {
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
        {
            await StopAsync(timeout.Token);
        }

        await _app.DisposeAsync();
    }

    private void ConfigureKestrel(WebApplicationBuilder builder, RestApiOptions options)
    {
        var rest = ListenAddress.Parse(options.Listen);
        var grpc = options.GrpcListen is { } g ? ListenAddress.Parse(g) : null;
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            foreach (var address in rest.Resolve())
            {
                kestrel.Listen(address, rest.Port, listen =>
                {
                    listen.Protocols = HttpProtocols.Http1;
                    if (options.Tls is { } tls)
                    {
                        listen.UseHttps(TlsSetup.Create(tls));
                    }

                    _restListeners.Add(listen);
                });
            }

            foreach (var address in grpc?.Resolve() ?? [])
            {
                kestrel.Listen(address, grpc!.Port, listen =>
                {
                    listen.Protocols = HttpProtocols.Http2;
                    _grpcListeners.Add(listen);
                });
            }
        });
    }

    private bool IsGrpcConnection(HttpContext context) =>
        _grpcListeners.Count > 0 && _grpcListeners.Any(l => Accepted(l.IPEndPoint, context.Connection));

    private static bool Accepted(IPEndPoint? listener, ConnectionInfo connection) =>
        listener is not null
        && listener.Port == connection.LocalPort
        && (listener.Address.Equals(IPAddress.Any) || listener.Address.Equals(IPAddress.IPv6Any)
            || (connection.LocalIpAddress is { } local && listener.Address.Equals(local.IsIPv4MappedToIPv6 ? local.MapToIPv4() : local)));
}
