using System.Text.Json.Nodes;

namespace NodeAgent.Api.Commands;

/// <summary>A command's answer: a status code and either a plain-text message or a JSON body.</summary>
public sealed record ApiCommandResult(int StatusCode, string? Message = null, JsonNode? Json = null)
{
    public static ApiCommandResult Text(int statusCode, string message) => new(statusCode, message);

    public static ApiCommandResult FromJson(int statusCode, JsonNode? json) => new(statusCode, null, json);
}
