namespace NodeAgent.Ha;

/// <summary>What failsafe mode looks at.</summary>
public sealed partial record Observation
{
    /// <summary>
    /// The <c>failsafe</c> key as last read or written by this node (Patroni's <c>dcs.failsafe</c>): known even while the
    /// DCS is not accessible. Null when absent or unreadable.
    /// </summary>
    public IReadOnlyDictionary<string, string>? FailsafeTopology { get; init; }

    /// <summary>The last <c>POST /failsafe</c> this node accepted, with its age; null when none.</summary>
    public FailsafeAcceptanceView? FailsafeAccepted { get; init; }

    /// <summary>How long this agent process has been running; null when not known (tests that do not care).</summary>
    public TimeSpan? SinceAgentStart { get; init; }
}
