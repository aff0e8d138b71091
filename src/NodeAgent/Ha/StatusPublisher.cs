using NodeAgent.Api.Status;

namespace NodeAgent.Ha;

/// <summary>
/// The only writer of the <see cref="StatusBoard"/>, owned by the loop: the snapshot at the end of each cycle, and the
/// early notes a running plan sends through <see cref="IStatusNotes"/>.
/// </summary>
internal sealed class StatusPublisher(StatusBoard board, LeaseClock lease) : IStatusNotes
{
    public StatusSnapshot Current => board.Current;

    public void Publish(StatusSnapshot snapshot) => board.Publish(snapshot);

    public void Note(StatusNote note) => board.Publish(Apply(board.Current, note));

    private StatusSnapshot Apply(StatusSnapshot s, StatusNote note) => note switch
    {
        // Only a held lock makes a primary one the health checks route to, as the cycle's snapshot would say.
        StatusNote.Promoted when lease.Holds => s with
        {
            AcceptsWrites = true, HoldsLock = true, Role = Cluster.MemberRoleNames.ToWire(Cluster.MemberRole.Primary), State = "running",
            LockRenewedTimestamp = lease.AnchorTimestamp ?? 0, LockValidFor = lease.ValidFor,
            XlogLocation = s.XlogLocation ?? s.ReplayedLocation ?? 0, ReceivedLocation = null, ReplayedLocation = null,
            // A standby leader promotes only once standby_cluster is gone: the last snapshot's flag no longer holds.
            Promoting = false, IsStandbyCluster = false,
        },
        StatusNote.Promoted => s,
        StatusNote.Promoting when lease.Holds => s with
        {
            Promoting = true, HoldsLock = true, LockRenewedTimestamp = lease.AnchorTimestamp ?? 0, LockValidFor = lease.ValidFor,
            IsStandbyCluster = false,
        },
        StatusNote.Promoting => s,
        StatusNote.LockLost => s with { HoldsLock = false, Promoting = false },
        StatusNote.StoppingPostgres => s with { AcceptsWrites = false, Promoting = false },
        StatusNote.Demoting => s with { AcceptsWrites = false, HoldsLock = false, Promoting = false, Role = "demoted" },
        StatusNote.PostgresStopped => s with
        {
            AcceptsWrites = false, HoldsLock = false, Promoting = false, State = "stopped", XlogLocation = null, ReceivedLocation = null, ReplayedLocation = null, Replication = [],
        },
        StatusNote.Restarting => s with { AcceptsWrites = false, Promoting = false, State = MemberDataFactory.StateWord(LongActionKind.Restart)! },
        StatusNote.Reinitializing => s with { AcceptsWrites = false, Promoting = false, State = MemberDataFactory.StateWord(LongActionKind.Reinitialize)! },
        StatusNote.ShuttingDown => s with { AcceptsWrites = false, HoldsLock = false, Promoting = false, State = "stopping" },
        _ => throw new ArgumentOutOfRangeException(nameof(note), note, null),
    };
}
