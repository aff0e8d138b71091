using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace NodeAgent.Api.Http;

/// <summary>
/// Patroni's <c>_read_json_content</c>: Content-Length is mandatory (411), the body must be a JSON
/// object (400), non-empty unless optional. Bodies over 64 KiB are refused with 413 before reading.
/// </summary>
internal static class JsonBodyReader
{
    public const int MaxBodyBytes = 64 * 1024;

    public readonly record struct Result(JsonObject? Body, PlainResponse? Error);

    public static async Task<Result> ReadAsync(HttpRequest request, bool optional, CancellationToken cancellationToken)
    {
        if (request.ContentLength is not { } length)
        {
            return optional ? new(new JsonObject(), null) : new(null, new PlainResponse(411, "Length Required"));
        }

        if (length > MaxBodyBytes)
        {
            return new(null, new PlainResponse(413, "Request Entity Too Large"));
        }

        if (length == 0 && optional)
        {
            return new(new JsonObject(), null);
        }

        var buffer = new byte[length];
        try
        {
            await request.Body.ReadExactlyAsync(buffer, cancellationToken);
            if (JsonNode.Parse(buffer) is JsonObject body && (body.Count > 0 || optional))
            {
                return new(body, null);
            }
        }
        catch (Exception e) when (e is JsonException or EndOfStreamException)
        {
            // Falls through to 400 like Patroni's bare except.
        }

        return new(null, new PlainResponse(400, "Bad Request"));
    }
}
