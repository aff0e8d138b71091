namespace NodeAgent.Ha;

/// <summary>The failsafe mode steps (ha.py: update_lock's failsafe topology, check_failsafe_topology).</summary>
public abstract partial record HaStep
{
    /// <summary>Leader, failsafe mode: put <c>failsafe</c> = member name -> api_url, the members it may rely on.</summary>
    public sealed record WriteFailsafe(IReadOnlyDictionary<string, string> Members) : HaStep;

    /// <summary>
    /// Leader, DCS not accessible, failsafe mode: <c>POST /failsafe</c> to every other member of the topology in parallel,
    /// within the time the lock has left (at most 2 s). Passes only when all of them answer 200 "Accepted"; then the
    /// primary's deadline counts from the moment the round was asked for (<see cref="LeaseClock.FailsafeConfirmed"/>).
    /// </summary>
    public sealed record ConfirmFailsafe(IReadOnlyDictionary<string, string> Members, HaDecision Otherwise) : HaStep, IGuard;
}
