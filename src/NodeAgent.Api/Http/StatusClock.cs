using NodeAgent.Api.Status;

namespace NodeAgent.Api.Http;

/// <summary>Turns the snapshot's monotonic timestamps into ages on the injected clock.</summary>
internal sealed class StatusClock(TimeProvider time)
{
    private readonly long _startedTimestamp = time.GetTimestamp();

    public TimeProvider Time => time;

    public TimeSpan LockAge(StatusSnapshot s) => time.GetElapsedTime(s.LockRenewedTimestamp);

    /// <summary>Before the loop has published a next run, the server's own start stands in for it.</summary>
    public TimeSpan SinceNextRun(StatusSnapshot s) =>
        time.GetElapsedTime(s.NextRunTimestamp != 0 ? s.NextRunTimestamp : _startedTimestamp);
}
