namespace NodeAgent.Ha;

/// <summary>
/// What this node believes about the leader lock, on the monotonic clock. Written by the executor after
/// each lock call, read by the loop (observation, status). Thread-safe: a background long action may renew too.
/// </summary>
public sealed class LockState
{
    private readonly Lock _gate = new();
    private bool _holds;
    private long? _renewedTimestamp;

    public bool Holds
    {
        get
        {
            lock (_gate)
            {
                return _holds;
            }
        }
    }

    /// <summary>TimeProvider timestamp of the last successful acquire/renew; null when never held.</summary>
    public long? RenewedTimestamp
    {
        get
        {
            lock (_gate)
            {
                return _renewedTimestamp;
            }
        }
    }

    public void Renewed(long timestamp)
    {
        lock (_gate)
        {
            _holds = true;
            _renewedTimestamp = timestamp;
        }
    }

    /// <summary>The lock is not ours (or not trusted) until the next successful compare-renew.</summary>
    public void Lost()
    {
        lock (_gate)
        {
            _holds = false;
        }
    }
}
