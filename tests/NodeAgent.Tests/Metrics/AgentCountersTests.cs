using NodeAgent.Ha;
using NodeAgent.Metrics;

namespace NodeAgent.Tests.Metrics;

public sealed class AgentCountersTests
{
    [Fact]
    public void A_value_on_a_bound_falls_in_that_bucket_and_one_above_all_bounds_only_in_the_count()
    {
        var h = new Histogram(0.1, 1);

        h.Observe(0.1);
        h.Observe(0.5);
        h.Observe(7);

        var s = h.Snapshot();
        Assert.Equal([1L, 1L], s.BucketCounts);
        Assert.Equal(3, s.Count);
        Assert.Equal(7.6, s.Sum, 6);
        Assert.Equal(7, h.Last);
    }

    [Fact]
    public void Demotions_are_counted_per_mode_in_patroni_words_and_every_mode_is_listed()
    {
        var counters = new AgentCounters();

        counters.Demoted(DemoteMode.Graceful);
        counters.Demoted(DemoteMode.ImmediateNoLock);
        counters.Demoted(DemoteMode.ImmediateNoLock);

        var demotions = counters.Snapshot().Demotions.ToDictionary(d => d.Label, d => d.Count);
        Assert.Equal(new Dictionary<string, long> { ["offline"] = 0, ["graceful"] = 1, ["immediate"] = 0, ["immediate-nolock"] = 2 }, demotions);
    }

    [Fact]
    public void Counts_from_several_threads_are_not_lost()
    {
        var counters = new AgentCounters();

        Parallel.For(0, 1000, _ =>
        {
            counters.DcsFailed();
            counters.DcsCallDuration.Observe(0.002);
        });

        var s = counters.Snapshot();
        Assert.Equal(1000, s.DcsErrors);
        Assert.Equal(1000, s.DcsCallDuration.Count);
        Assert.Equal(1000, s.DcsCallDuration.BucketCounts.Sum());
    }
}
