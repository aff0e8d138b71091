namespace NodeAgent.Postgres;

/// <summary>
/// After a switchover the demoted node is a replica within a second, but HAProxy keeps it in its primary backend until
/// `fall` health checks have failed (9 s with the seed's `inter 3s fall 3`) and balances new connections onto it, where
/// every write fails read-only. For postgresql.demoted_client_holdoff seconds it listens on its unix socket only: HAProxy's
/// connects are refused, and HAProxy retries them, while the WAL receiver (outgoing) and the agent's own SQL (unix
/// socket) keep working. Patroni 3.0.2 has no such step: its slower restart in <c>ha.py:demote</c> hides the same race.
/// </summary>
internal static class ClientHoldoff
{
    private const string ListenOption = "--listen_addresses=";

    /// <summary>The postmaster's command-line options with no TCP listen address (unix socket only).</summary>
    public static IReadOnlyList<string> UnixSocketOnly(IReadOnlyList<string> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return [.. options.Select(o => o.StartsWith(ListenOption, StringComparison.Ordinal) ? ListenOption : o)];
    }

    /// <summary>
    /// Only with a unix socket to keep: unix_socket_directories set to no absolute directory would leave postgres with
    /// no address at all, the agent's own SQL included.
    /// </summary>
    public static bool IsPossible(IReadOnlyDictionary<string, string> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return !parameters.TryGetValue("unix_socket_directories", out var dirs)
            || dirs.Split(',').Any(d => d.Trim().StartsWith('/'));
    }

    /// <summary>How long is left of a hold-off that ends at <paramref name="until"/> (monotonic); null: none.</summary>
    public static TimeSpan? Remaining(long? until, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        return until is { } u ? time.GetElapsedTime(time.GetTimestamp(), u) : null;
    }
}
