using NodeAgent.Cluster;
using NodeAgent.Ha.Sync;
using NodeAgent.Postgres;

namespace NodeAgent.Tests.Ha.Sync;

/// <summary>postgresql/sync.py:SyncHandler: a newly named standby counts only once it caught up with the primary as of the change.</summary>
public sealed class SyncReadinessTests
{
    private static ReplicationConnection Row(string name, string state, ulong flush, int pid = 1) =>
        new("replicator", name, null, "streaming", state, 1) { Pid = pid, FlushLsn = new Lsn(flush) };

    private static PrimaryReplication Look(string ssn, ulong primaryFlush, params ReplicationConnection[] rows) => new(ssn, "on", new Lsn(primaryFlush), rows);

    [Fact]
    public void A_standby_counts_once_it_reached_the_flush_position_of_the_change()
    {
        var readiness = new SyncReadiness();

        Assert.Empty(readiness.Update(Look("u5", 1000, Row("u5", "sync", 900)), SyncState.Empty));
        // The primary moved on; u5 passed the position the change was made at.
        Assert.Equal(["u5"], readiness.Update(Look("u5", 2000, Row("u5", "sync", 1000)), SyncState.Empty));
    }

    [Fact]
    public void Asynchronous_or_unnamed_standbys_never_count()
    {
        var readiness = new SyncReadiness();

        Assert.Empty(readiness.Update(Look("u5", 1000, Row("u5", "potential", 1000), Row("u6", "sync", 1000)), SyncState.Empty));
    }

    [Fact]
    public void A_standby_the_key_names_counts_at_once_after_an_agent_restart()
    {
        var readiness = new SyncReadiness();

        Assert.Equal(["u5"], readiness.Update(Look("u5", 1000, Row("u5", "sync", 10)), new SyncState("u4", ["u5"], 3)));
    }

    [Fact]
    public void A_name_removed_from_the_value_is_forgotten_and_must_catch_up_again()
    {
        var readiness = new SyncReadiness();
        readiness.Update(Look("u5", 1000, Row("u5", "sync", 1000)), SyncState.Empty);

        Assert.Empty(readiness.Update(Look("u6", 2000, Row("u5", "async", 2000)), SyncState.Empty));
        Assert.Empty(readiness.Update(Look("u5", 3000, Row("u5", "sync", 2500)), SyncState.Empty));
        Assert.Equal(["u5"], readiness.Update(Look("u5", 3500, Row("u5", "sync", 3000)), SyncState.Empty));
    }

    [Fact]
    public void An_unreadable_value_counts_nobody_and_says_why()
    {
        var readiness = new SyncReadiness();

        Assert.Empty(readiness.Update(Look("u5,", 1000, Row("u5", "sync", 1000)), SyncState.Empty));
        Assert.NotNull(readiness.ParseError);
        Assert.Empty(readiness.Reset());
    }
}
