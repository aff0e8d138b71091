using Grpc.Core;
using Grpc.Health.V1;
using NodeAgent.Api.Health;
using NodeAgent.Api.Http;
using NodeAgent.Api.Status;

namespace NodeAgent.Api.Grpc;

/// <summary>
/// grpc.health.v1 answered from the same snapshot and rules as the REST checks: service "primary",
/// "replica", "read-only", and "" for overall health (postgres running).
/// </summary>
internal sealed class SnapshotHealthService(StatusBoard board, StatusClock clock) : global::Grpc.Health.V1.Health.HealthBase
{
    private static readonly TimeSpan WatchInterval = TimeSpan.FromSeconds(1);

    private static readonly Dictionary<string, HealthEndpoint> Services = new(StringComparer.Ordinal)
    {
        [""] = HealthEndpoint.Health,
        ["primary"] = HealthEndpoint.Primary,
        ["replica"] = HealthEndpoint.Replica,
        ["read-only"] = HealthEndpoint.ReadOnly,
    };

    public override Task<HealthCheckResponse> Check(HealthCheckRequest request, ServerCallContext context) =>
        Task.FromResult(new HealthCheckResponse { Status = Evaluate(request.Service) });

    /// <summary>Polls the snapshot and sends a message whenever the answer changes, as the protocol asks.</summary>
    public override async Task Watch(HealthCheckRequest request, IServerStreamWriter<HealthCheckResponse> responseStream, ServerCallContext context)
    {
        var last = (HealthCheckResponse.Types.ServingStatus)(-1);
        using var timer = new PeriodicTimer(WatchInterval, clock.Time);
        do
        {
            var status = Services.ContainsKey(request.Service) ? Evaluate(request.Service) : HealthCheckResponse.Types.ServingStatus.ServiceUnknown;
            if (status != last)
            {
                await responseStream.WriteAsync(new HealthCheckResponse { Status = status }, context.CancellationToken);
                last = status;
            }
        }
        while (await WaitAsync(timer, context.CancellationToken));
    }

    private HealthCheckResponse.Types.ServingStatus Evaluate(string service)
    {
        if (!Services.TryGetValue(service, out var endpoint))
        {
            throw new RpcException(new global::Grpc.Core.Status(StatusCode.NotFound, $"unknown service \"{service}\""));
        }

        var snapshot = board.Current;
        var code = HealthEvaluator.Evaluate(endpoint, HealthQuery.None, snapshot, clock.LockAge(snapshot));
        return code == HealthEvaluator.Ok ? HealthCheckResponse.Types.ServingStatus.Serving : HealthCheckResponse.Types.ServingStatus.NotServing;
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
