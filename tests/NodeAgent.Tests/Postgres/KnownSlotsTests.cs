using NodeAgent.Tests.Component;
using NodeAgent.Configuration;
using NodeAgent.Postgres;

namespace NodeAgent.Tests.Postgres;

/// <summary>When the slot step may act on the slots it saw before and when it must read pg_replication_slots again.</summary>
public sealed class KnownSlotsTests
{
    private static readonly DynamicConfig Dynamic = new();
    private static readonly HashSet<string> Wanted = ["u5", "u6"];
    private static readonly (string, string, bool)[] Seen = [("u5", "physical", true), ("u6", "physical", true)];

    private static (KnownSlots Known, FakeTimeProvider Time) ReadOnce()
    {
        var time = new FakeTimeProvider();
        var known = new KnownSlots(time);
        known.Read(Seen, 100, Wanted, Dynamic);
        return (known, time);
    }

    [Fact]
    public void The_same_postmaster_wanted_set_and_config_within_the_refresh_time_reuse_what_was_read()
    {
        var (known, time) = ReadOnce();
        time.Advance(KnownSlots.RefreshEvery - TimeSpan.FromMilliseconds(1));

        Assert.Equal(Seen, known.Current(100, new HashSet<string> { "u6", "u5" }, Dynamic));
    }

    [Fact]
    public void A_new_postmaster_another_wanted_set_another_config_or_the_refresh_time_read_again()
    {
        var (known, time) = ReadOnce();

        Assert.Null(known.Current(101, Wanted, Dynamic));
        Assert.Null(known.Current(100, new HashSet<string> { "u5" }, Dynamic));
        Assert.Null(known.Current(100, Wanted, Dynamic with { LoopWait = 5 }));
        time.Advance(KnownSlots.RefreshEvery);
        Assert.Null(known.Current(100, Wanted, Dynamic));
    }

    [Fact]
    public void Own_drops_and_creates_are_kept_and_forgetting_reads_again()
    {
        var (known, _) = ReadOnce();
        known.Dropped("u6");
        known.Created("u4");

        Assert.Equal([("u5", "physical", true), ("u4", "physical", false)], known.Current(100, Wanted, Dynamic));
        known.Forget();
        Assert.Null(known.Current(100, Wanted, Dynamic));
    }
}
