using System.Text.Json;
using NodeAgent.Api.Health;
using NodeAgent.Api.Status;
using NodeAgent.Ha;
using NodeAgent.Tests.Component;

namespace NodeAgent.Tests.Ha;

/// <summary>The notes a running plan publishes before its cycle ends, as the members and HAProxy read them.</summary>
public sealed class StatusPublisherTests
{
    private readonly FakeTimeProvider _time = new();

    private static StatusSnapshot Replica() => new()
    {
        Scope = "demo", Name = "u5", State = "running", Role = "replica", ReplayedLocation = 5000, ReceivedLocation = 5000, Ttl = 30,
    };

    private static StatusSnapshot Primary() => new()
    {
        Scope = "demo", Name = "u4", State = "running", Role = "master", HoldsLock = true, AcceptsWrites = true, XlogLocation = 7000, Ttl = 30,
    };

    [Fact]
    public void A_promotion_with_the_lock_held_makes_the_primary_endpoint_answer_before_the_cycle_ends()
    {
        var board = new StatusBoard();
        board.Publish(Replica());
        var lease = new LeaseClock(_time);
        lease.Renewed(_time.GetTimestamp(), 30);

        new StatusPublisher(board, lease).Note(StatusNote.Promoted);

        var s = board.Current;
        Assert.Equal(("master", true, true, 5000UL), (s.Role, s.AcceptsWrites, s.HoldsLock, s.XlogLocation));
        Assert.True(HealthEvaluator.IsLeader(s, TimeSpan.Zero));
        Assert.Equal(LeaseClock.DemoteAfter(30), s.LockValidFor);
    }

    [Fact]
    public void A_standby_leader_promoted_out_of_its_standby_cluster_answers_primary_before_the_cycle_ends()
    {
        var board = new StatusBoard();
        board.Publish(Replica() with { Role = "standby_leader", HoldsLock = true, IsStandbyCluster = true });
        var lease = new LeaseClock(_time);
        lease.Renewed(_time.GetTimestamp(), 30);
        var publisher = new StatusPublisher(board, lease);
        Assert.Equal(HealthEvaluator.Unavailable, HealthEvaluator.Evaluate(HealthEndpoint.Primary, HealthQuery.From([]), board.Current, TimeSpan.Zero));

        publisher.Note(StatusNote.Promoting);
        Assert.Equal(HealthEvaluator.Ok, HealthEvaluator.Evaluate(HealthEndpoint.Primary, HealthQuery.From([]), board.Current, TimeSpan.Zero));

        publisher.Note(StatusNote.Promoted);
        Assert.Equal(HealthEvaluator.Ok, HealthEvaluator.Evaluate(HealthEndpoint.Primary, HealthQuery.From([]), board.Current, TimeSpan.Zero));
        Assert.Equal(HealthEvaluator.Unavailable, HealthEvaluator.Evaluate(HealthEndpoint.StandbyLeader, HealthQuery.From([]), board.Current, TimeSpan.Zero));
    }

    [Fact]
    public void A_fenced_lock_holder_that_starts_its_promotion_answers_primary_and_leaves_the_replica_backend()
    {
        var board = new StatusBoard();
        board.Publish(Replica());
        var lease = new LeaseClock(_time);
        lease.Renewed(_time.GetTimestamp(), 30);
        var publisher = new StatusPublisher(board, lease);

        publisher.Note(StatusNote.Promoting);

        var s = board.Current;
        Assert.Equal(("replica", false, true, true), (s.Role, s.AcceptsWrites, s.HoldsLock, s.Promoting));
        Assert.Equal(HealthEvaluator.Ok, HealthEvaluator.Evaluate(HealthEndpoint.Primary, HealthQuery.From([]), s, TimeSpan.Zero));
        Assert.Equal(HealthEvaluator.Unavailable, HealthEvaluator.Evaluate(HealthEndpoint.Replica, HealthQuery.From([]), s, TimeSpan.Zero));

        publisher.Note(StatusNote.Promoted);
        Assert.Equal(("master", true, false), (board.Current.Role, board.Current.AcceptsWrites, board.Current.Promoting));
    }

    [Fact]
    public void A_promotion_that_starts_after_the_lock_was_lost_answers_nothing_new()
    {
        var board = new StatusBoard();
        board.Publish(Replica());

        new StatusPublisher(board, new LeaseClock(_time)).Note(StatusNote.Promoting);

        Assert.Equal((false, false), (board.Current.Promoting, board.Current.HoldsLock));
    }

    [Fact]
    public void A_promotion_without_the_lock_changes_nothing()
    {
        var board = new StatusBoard();
        board.Publish(Replica());

        new StatusPublisher(board, new LeaseClock(_time)).Note(StatusNote.Promoted);

        Assert.Equal(("replica", false), (board.Current.Role, board.Current.AcceptsWrites));
    }

    [Fact]
    public void A_stopped_postgres_reports_no_primary_to_the_members_racing_for_the_lock()
    {
        var board = new StatusBoard();
        board.Publish(Primary());

        new StatusPublisher(board, new LeaseClock(_time)).Note(StatusNote.PostgresStopped);

        var s = board.Current;
        Assert.Equal(("stopped", false, false, (ulong?)null), (s.State, s.AcceptsWrites, s.HoldsLock, s.XlogLocation));
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            StatusJsonWriter.Write(w, s);
        }

        var peer = HttpPeerStatusClient.Parse("u4", buffer.ToArray())!;
        Assert.True(peer.InRecovery);
        Assert.Equal(0UL, peer.WalPosition.Value);
    }
}
