using System.Text;

namespace NodeAgent.IntegrationTests.Cluster;

/// <summary>Plain HTTP against an agent's REST API (port 8008 on its address), as curl or HAProxy would send it.</summary>
internal static class AgentRest
{
    // A switchover answers only once the new leader is primary: up to 2 x max(10, loop_wait) s.
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(40) };

    public static Task<(int Status, string Body)> GetAsync(AgentNode node, string path) => SendAsync(node, HttpMethod.Get, path, null);

    public static Task<(int Status, string Body)> PostAsync(AgentNode node, string path, string json) => SendAsync(node, HttpMethod.Post, path, json);

    public static Task<(int Status, string Body)> PatchAsync(AgentNode node, string path, string json) => SendAsync(node, HttpMethod.Patch, path, json);

    public static async Task<(int Status, string Body)> SendAsync(AgentNode node, HttpMethod method, string path, string? json)
    {
        using var request = new HttpRequestMessage(method, new Uri($"http://{node.Address}:{AgentNode.RestApiPort}{path}"));
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }
        using var response = await Http.SendAsync(request);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }
}
