using Microsoft.AspNetCore.Http;
using NodeAgent.Api.Commands;
using NodeAgent.Api.Health;

namespace NodeAgent.Api.Http;

/// <summary>
/// Exact (method, path) routing. Hand-written instead of endpoint routing: no Host matching ever
/// (HAProxy checks carry no Host header), OPTIONS and HEAD answered like GET on health paths, and no
/// reflection for the AOT build. An unknown path is 404, a known path with another method 405.
/// </summary>
internal sealed class RequestDispatcher
{
    private static readonly string[] HealthMethods = [HttpMethods.Get, HttpMethods.Head, HttpMethods.Options];
    private readonly Dictionary<(string Method, string Path), RequestDelegate> _routes = [];
    private readonly HashSet<string> _paths = new(StringComparer.Ordinal);

    public RequestDispatcher(StatusHandlers status, CommandHandlers commands)
    {
        foreach (var (path, endpoint) in HealthEndpoints.All)
        {
            Map(HealthMethods, path, context => status.HealthAsync(context, endpoint));
        }

        Map(HealthMethods, "/liveness", status.LivenessAsync);
        Map(HealthMethods, "/readiness", status.ReadinessAsync);
        Map([HttpMethods.Get], "/patroni", status.PatroniAsync);
        Map([HttpMethods.Get], "/metrics", status.MetricsAsync);
        Map([HttpMethods.Get], "/cluster", commands.ClusterAsync);
        Map([HttpMethods.Get], "/history", commands.HistoryAsync);
        Map([HttpMethods.Get], "/config", commands.GetConfigAsync);
        Map([HttpMethods.Patch], "/config", commands.PatchConfigAsync);
        Map([HttpMethods.Put], "/config", commands.PutConfigAsync);
        Map([HttpMethods.Post], "/switchover", context => commands.SwitchoverAsync(context, SwitchoverKind.Switchover));
        Map([HttpMethods.Post], "/failover", context => commands.SwitchoverAsync(context, SwitchoverKind.Failover));
        Map([HttpMethods.Delete], "/switchover", commands.CancelSwitchoverAsync);
        Map([HttpMethods.Post], "/restart", commands.RestartAsync);
        Map([HttpMethods.Delete], "/restart", commands.CancelRestartAsync);
        Map([HttpMethods.Post], "/reload", commands.ReloadAsync);
        Map([HttpMethods.Post], "/reinitialize", commands.ReinitializeAsync);
        Map([HttpMethods.Get], "/failsafe", commands.GetFailsafeAsync);
        Map([HttpMethods.Post], "/failsafe", commands.PostFailsafeAsync);
        Map([HttpMethods.Post], "/leader_release", commands.PostLeaderReleaseAsync);
    }

    public Task DispatchAsync(HttpContext context)
    {
        var path = context.Request.Path.Value is { Length: > 0 } p ? p : "/";
        if (_routes.TryGetValue((context.Request.Method, path), out var handler))
        {
            return handler(context);
        }

        return StatusHandlers.StatusOnlyAsync(context, _paths.Contains(path) ? StatusCodes.Status405MethodNotAllowed : StatusCodes.Status404NotFound);
    }

    private void Map(string[] methods, string path, RequestDelegate handler)
    {
        _paths.Add(path);
        foreach (var method in methods)
        {
            _routes[(method, path)] = handler;
        }
    }
}
