using static NodeAgent.Ha.HaStep;

namespace NodeAgent.Ha;

public static partial class HaDecider
{
    /// <summary>
    /// A running postgres whose client hold-off after a switchover is due to end listens on TCP again, when nothing else
    /// in this cycle touches postgres (a promotion ends it itself). Paused or not: the hold-off is the agent's own doing.
    /// </summary>
    private static HaDecision WithClientHoldoffEnd(Observation o, HaDecision decided) =>
        o.Postgres.ClientHoldoffRemaining is { } left && left <= TimeSpan.Zero && o.Postgres.IsRunning
            && o.LongActionInProgress is null && LeavesPostgresAlone(decided)
            ? Append(decided, new OpenToClients())
            : decided;
}
