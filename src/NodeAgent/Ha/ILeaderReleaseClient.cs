using NodeAgent.Dcs;

namespace NodeAgent.Ha;

/// <summary>Asks other members to delete this node's leader key for it (<c>POST /leader_release</c>).</summary>
public interface ILeaderReleaseClient
{
    /// <summary>
    /// Sends <paramref name="release"/> to every member (name -> api_url) at once, each bounded by <paramref name="timeout"/>.
    /// Returns the name of the first member that deleted the key, or null when none did. Never throws for a member's failure.
    /// </summary>
    Task<string?> SendAsync(IReadOnlyDictionary<string, string> members, LeaderRelease release, TimeSpan timeout, CancellationToken cancellationToken);
}
