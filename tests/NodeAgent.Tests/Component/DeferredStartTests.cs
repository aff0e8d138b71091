using System.Diagnostics;
using NodeAgent.Postgres.Rewind;

namespace NodeAgent.Tests.Component;

/// <summary>
/// A replica whose start the rejoin check puts off (its leader is unreachable for the divergence check) waits for the
/// next cycle. The end of that start action once woke the loop at once, which decided the same start again: a busy
/// loop of about 20 cycles a second, each running pg_controldata (bench run6).
/// </summary>
public sealed class DeferredStartTests
{
    [Fact]
    public async Task A_start_put_off_by_the_rejoin_check_does_not_wake_the_loop_again()
    {
        var cluster = new ComponentCluster("u1", "u2");
        await cluster.BootstrapAsync();
        await cluster.RunForAsync(2);
        var replica = cluster["u2"];
        Assert.True(replica.Postgres.Running);
        replica.Postgres.Crash();
        replica.Postgres.RejoinYields = true;
        replica.Postgres.Rejoin = _ => new RejoinResult(RejoinOutcome.Deferred, "cannot check for divergence: leader u1 is not reachable");

        using var stop = new CancellationTokenSource();
        var loop = Task.Run(() => replica.Loop.RunAsync(stop.Token));
        var deadline = Stopwatch.StartNew();
        while (Rejoins(replica) == 0)
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(10), "no rejoin check within 10 s");
            await Task.Delay(10);
        }

        // loop_wait is 10 s (on the fake clock, which does not move): only a wakeup could run another cycle in this
        // observation window.
        await Task.Delay(TimeSpan.FromSeconds(1));

        var rejoins = Rejoins(replica);
        await stop.CancelAsync();
        await loop.ContinueWith(_ => { }, TaskScheduler.Default);
        Assert.True(rejoins <= 2, $"the loop ran the deferred start {rejoins} times within a second");
        Assert.False(replica.Postgres.Running);
    }

    // ToArray copies without enumerating, so it does not trip over the loop adding an action meanwhile.
    private static int Rejoins(ComponentNode node) => node.Postgres.Actions.ToArray().Count(a => a.StartsWith("rejoin ", StringComparison.Ordinal));
}
