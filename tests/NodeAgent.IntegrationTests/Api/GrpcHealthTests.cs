using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;

namespace NodeAgent.IntegrationTests.Api;

public sealed class GrpcHealthTests
{
    [Fact]
    public async Task Grpc_health_answers_from_the_snapshot()
    {
        await using var api = await ApiServerHarness.StartAsync("127.0.87.51", ApiSnapshots.Leader(),
            o => o with { GrpcListen = "127.0.87.52:0" });
        var endpoint = Assert.Single(api.Server.GrpcEndpoints);
        using var channel = GrpcChannel.ForAddress($"http://{endpoint}");
        var client = new Health.HealthClient(channel);

        var primary = await client.CheckAsync(new HealthCheckRequest { Service = "primary" });
        var replica = await client.CheckAsync(new HealthCheckRequest { Service = "replica" });
        var overall = await client.CheckAsync(new HealthCheckRequest { Service = "" });
        api.Board.Publish(ApiSnapshots.Replica());
        var demoted = await client.CheckAsync(new HealthCheckRequest { Service = "primary" });
        var readOnly = await client.CheckAsync(new HealthCheckRequest { Service = "read-only" });
        var unknown = await Assert.ThrowsAsync<RpcException>(async () => await client.CheckAsync(new HealthCheckRequest { Service = "nope" }));

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, primary.Status);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, replica.Status);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, overall.Status);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, demoted.Status);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, readOnly.Status);
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task Grpc_watch_streams_a_change()
    {
        await using var api = await ApiServerHarness.StartAsync("127.0.87.53", ApiSnapshots.Leader(),
            o => o with { GrpcListen = "127.0.87.54:0" });
        using var channel = GrpcChannel.ForAddress($"http://{api.Server.GrpcEndpoints[0]}");
        var client = new Health.HealthClient(channel);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));

        using var watch = client.Watch(new HealthCheckRequest { Service = "primary" }, cancellationToken: timeout.Token);
        Assert.True(await watch.ResponseStream.MoveNext(timeout.Token));
        var first = watch.ResponseStream.Current.Status;
        api.Board.Publish(ApiSnapshots.Replica());
        Assert.True(await watch.ResponseStream.MoveNext(timeout.Token));

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, first);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, watch.ResponseStream.Current.Status);
    }
}
