using System.Text;
using Microsoft.AspNetCore.Http;
using NodeAgent.Api.Health;
using NodeAgent.Api.Status;

namespace NodeAgent.Api.Http;

/// <summary>The read-only endpoints: health checks, /patroni, probes and /metrics. Never touch postgres or etcd.</summary>
internal sealed class StatusHandlers(StatusBoard board, StatusClock clock)
{
    public Task HealthAsync(HttpContext context, HealthEndpoint endpoint)
    {
        var snapshot = board.Current;
        var query = HealthQuery.From(context.Request.Query.Select(q => KeyValuePair.Create(q.Key, q.Value.Count > 0 ? q.Value[0] ?? "" : "")));
        var code = HealthEvaluator.Evaluate(endpoint, query, snapshot, clock.LockAge(snapshot));
        return HttpMethods.IsGet(context.Request.Method)
            ? WriteJsonAsync(context, code, StatusJsonWriter.ToUtf8(snapshot))
            : StatusOnlyAsync(context, code);
    }

    public Task PatroniAsync(HttpContext context) =>
        WriteJsonAsync(context, StatusCodes.Status200OK, StatusJsonWriter.ToUtf8(board.Current));

    public Task LivenessAsync(HttpContext context)
    {
        var snapshot = board.Current;
        return StatusOnlyAsync(context, ProbeEvaluator.Liveness(snapshot, clock.SinceNextRun(snapshot)));
    }

    public Task ReadinessAsync(HttpContext context)
    {
        var snapshot = board.Current;
        return StatusOnlyAsync(context, ProbeEvaluator.Readiness(snapshot, clock.LockAge(snapshot)));
    }

    public Task MetricsAsync(HttpContext context)
    {
        var snapshot = board.Current;
        TimeSpan? lockAge = snapshot.HoldsLock ? clock.LockAge(snapshot) : null;
        var bytes = Encoding.UTF8.GetBytes(MetricsWriter.Write(snapshot, lockAge));
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "text/plain";
        context.Response.ContentLength = bytes.Length;
        return context.Response.Body.WriteAsync(bytes, context.RequestAborted).AsTask();
    }

    public static Task WriteJsonAsync(HttpContext context, int statusCode, byte[] body)
    {
        context.Response.StatusCode = statusCode;
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = body.Length;
        return context.Response.Body.WriteAsync(body, context.RequestAborted).AsTask();
    }

    /// <summary>HAProxy reads only the status line of OPTIONS/HEAD checks, so nothing else is sent.</summary>
    public static Task StatusOnlyAsync(HttpContext context, int statusCode)
    {
        context.Response.StatusCode = statusCode;
        context.Response.ContentLength = 0;
        return Task.CompletedTask;
    }
}
