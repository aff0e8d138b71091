using System.Text.Json.Nodes;
using NodeAgent.Cluster;

namespace NodeAgent.Ctl.Rest;

/// <summary>An answer of a member's REST API: status code and body text.</summary>
internal sealed record RestResponse(int Status, string Body);

/// <summary>Calls a member's REST API at <c>scheme://host:port/&lt;endpoint&gt;</c> taken from its <c>api_url</c>.</summary>
internal interface IMemberApi
{
    /// <summary>Throws <see cref="HttpRequestException"/> (or a timeout) when the member cannot be reached.</summary>
    Task<RestResponse> RequestAsync(Member member, HttpMethod method, string endpoint, JsonNode? body, CancellationToken cancellationToken);
}
