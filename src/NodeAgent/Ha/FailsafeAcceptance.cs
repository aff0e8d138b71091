namespace NodeAgent.Ha;

/// <summary>The leader that sent <c>POST /failsafe</c> (its name, postgres and REST addresses).</summary>
public sealed record FailsafeLeader(string Name, string ConnUrl, string ApiUrl);

/// <summary>An accepted <c>POST /failsafe</c> as one cycle sees it.</summary>
/// <param name="Age">Monotonic time since it was accepted.</param>
/// <param name="ValidFor">How long it keeps this member out of the leader race (<see cref="LeaseClock.AcceptanceValidFor"/>).</param>
public sealed record FailsafeAcceptanceView(FailsafeLeader Leader, TimeSpan Age, TimeSpan ValidFor)
{
    public bool Fresh => Age < ValidFor;
}

/// <summary>
/// A member's side of failsafe mode (ha.py:Failsafe): the last <c>POST /failsafe</c> it accepted. Written by the REST API,
/// read by the HA loop each cycle; the one owner of that state. Thread-safe.
/// </summary>
public sealed class FailsafeAcceptance(TimeProvider time)
{
    private readonly Lock _gate = new();
    private (FailsafeLeader Leader, long At, TimeSpan ValidFor)? _last;

    /// <summary>Accepted now: this member stays out of the leader race for <paramref name="validFor"/> from now.</summary>
    public void Accept(FailsafeLeader leader, TimeSpan validFor)
    {
        ArgumentNullException.ThrowIfNull(leader);
        lock (_gate)
        {
            _last = (leader, time.GetTimestamp(), validFor);
        }
    }

    /// <summary>Forgets the acceptance of <paramref name="leader"/>: it has stopped being primary (its lock was handed over).</summary>
    public void Withdraw(string leader)
    {
        lock (_gate)
        {
            if (_last is { } last && last.Leader.Name == leader)
            {
                _last = null;
            }
        }
    }

    /// <summary>The last acceptance with its age; null when none.</summary>
    public FailsafeAcceptanceView? Current
    {
        get
        {
            lock (_gate)
            {
                return _last is { } last ? new FailsafeAcceptanceView(last.Leader, time.GetElapsedTime(last.At), last.ValidFor) : null;
            }
        }
    }
}
