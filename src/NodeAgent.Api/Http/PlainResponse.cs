using System.Text;
using Microsoft.AspNetCore.Http;

namespace NodeAgent.Api.Http;

/// <summary>A plain-text answer (Patroni's <c>_write_response</c> with text/html).</summary>
internal sealed record PlainResponse(int StatusCode, string Body, string? WwwAuthenticate = null)
{
    public static PlainResponse Unauthorized(string reason) => new(401, reason, "Basic realm=\"Patroni\"");

    public Task WriteAsync(HttpContext context)
    {
        context.Response.StatusCode = StatusCode;
        context.Response.ContentType = "text/html";
        if (WwwAuthenticate is not null)
        {
            context.Response.Headers.WWWAuthenticate = WwwAuthenticate;
        }

        var bytes = Encoding.UTF8.GetBytes(Body);
        context.Response.ContentLength = bytes.Length;
        return context.Response.Body.WriteAsync(bytes, context.RequestAborted).AsTask();
    }
}
