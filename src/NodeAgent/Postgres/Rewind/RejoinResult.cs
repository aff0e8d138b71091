namespace NodeAgent.Postgres.Rewind;

/// <summary>What preparing a stopped data dir to follow a leader came to.</summary>
public enum RejoinOutcome
{
    /// <summary>Not diverged (or not a former primary): start as a replica.</summary>
    NotNeeded,
    /// <summary>Diverged and pg_rewind brought it back in line: start as a replica.</summary>
    Rewound,
    /// <summary>Diverged and not repairable here, so the data dir was emptied: the next cycle clones again.</summary>
    Removed,
    /// <summary>Diverged and not repairable, and nothing allows removing the data: do not start.</summary>
    Refused,
    /// <summary>The check cannot be made now (leader unreachable, still in recovery, no checkpoint yet): try next cycle.</summary>
    Deferred,
}

/// <summary>The outcome plus a sentence for the operator.</summary>
public sealed record RejoinResult(RejoinOutcome Outcome, string Message)
{
    /// <summary>Postgres may be started as a replica of the leader now.</summary>
    public bool CanStart => Outcome is RejoinOutcome.NotNeeded or RejoinOutcome.Rewound;

    public static RejoinResult NotNeeded(string message) => new(RejoinOutcome.NotNeeded, message);
}
