namespace NodeAgent.Routing;

/// <summary>One command to one HAProxy's runtime API, answered in full (the port the pusher is tested through).</summary>
public interface IRuntimeApi
{
    /// <summary>Throws <see cref="RuntimeApiException"/> when HAProxy cannot be reached; honours the token for its deadline.</summary>
    Task<string> SendAsync(string address, string command, CancellationToken cancellationToken);
}
