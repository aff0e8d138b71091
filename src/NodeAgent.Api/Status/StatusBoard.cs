namespace NodeAgent.Api.Status;

/// <summary>Holds the latest <see cref="StatusSnapshot"/>; the HA loop publishes, request handlers read. Lock-free.</summary>
public sealed class StatusBoard
{
    private StatusSnapshot _current = StatusSnapshot.Starting;

    public StatusSnapshot Current => Volatile.Read(ref _current);

    public void Publish(StatusSnapshot snapshot) => Volatile.Write(ref _current, snapshot);
}
