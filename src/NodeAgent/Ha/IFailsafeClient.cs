namespace NodeAgent.Ha;

/// <summary>What a leader sends with <c>POST /failsafe</c> (ha.py:check_failsafe_topology), plus its ttl.</summary>
/// <param name="Ttl">Not in Patroni's body: a member keeps out of the race for at least this long after accepting, so a
/// member whose cached ttl is shorter than the leader's still waits for the leader's fence.</param>
public sealed record FailsafeHeartbeat(string Name, string ConnUrl, string ApiUrl, int Ttl);

/// <summary>Sends the failsafe heartbeat to members' REST APIs.</summary>
public interface IFailsafeClient
{
    /// <summary>
    /// <c>POST /failsafe</c> to every member (name -> api_url) in parallel, each bounded by <paramref name="timeout"/>.
    /// Returns the names that did not answer 200 "Accepted" (empty: all accepted). Never throws for a member's failure.
    /// </summary>
    Task<IReadOnlyList<string>> SendAsync(IReadOnlyDictionary<string, string> members, FailsafeHeartbeat heartbeat, TimeSpan timeout, CancellationToken cancellationToken);
}
