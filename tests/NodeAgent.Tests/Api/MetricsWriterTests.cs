using NodeAgent.Api.Status;

namespace NodeAgent.Tests.Api;

public sealed class MetricsWriterTests
{
    [Fact]
    public void Counters_are_written_with_help_type_and_the_scope_label()
    {
        var s = Snapshots.Leader() with
        {
            Metrics = new AgentMetrics { Promotions = 2, LockAcquisitions = 3, DcsErrors = 4, LoopOverruns = 5, Demotions = [new LabeledCount("graceful", 1), new LabeledCount("offline", 0)] },
        };

        var lines = MetricsWriter.Write(s, null).Split('\n');

        Assert.Contains("# TYPE nodeagent_promotions_total counter", lines);
        Assert.Contains("nodeagent_promotions_total{scope=\"batman\"} 2", lines);
        Assert.Contains("nodeagent_leader_lock_acquisitions_total{scope=\"batman\"} 3", lines);
        Assert.Contains("nodeagent_leader_lock_losses_total{scope=\"batman\"} 0", lines);
        Assert.Contains("nodeagent_dcs_errors_total{scope=\"batman\"} 4", lines);
        Assert.Contains("nodeagent_loop_overruns_total{scope=\"batman\"} 5", lines);
        Assert.Contains("nodeagent_demotions_total{scope=\"batman\",mode=\"graceful\"} 1", lines);
        Assert.Contains("nodeagent_demotions_total{scope=\"batman\",mode=\"offline\"} 0", lines);
        Assert.Single(lines, l => l == "# TYPE nodeagent_demotions_total counter");
    }

    [Fact]
    public void Histogram_buckets_are_cumulative_and_end_with_inf_sum_and_count()
    {
        var s = Snapshots.Leader() with
        {
            Metrics = new AgentMetrics { HaCycleDuration = new HistogramSnapshot([0.01, 1], [2, 1], 12.5, 4) },
        };

        var text = MetricsWriter.Write(s, null);

        Assert.Contains("""
            # HELP nodeagent_ha_cycle_duration_seconds Duration of HA cycles in seconds.
            # TYPE nodeagent_ha_cycle_duration_seconds histogram
            nodeagent_ha_cycle_duration_seconds_bucket{scope="batman",le="0.01"} 2
            nodeagent_ha_cycle_duration_seconds_bucket{scope="batman",le="1"} 3
            nodeagent_ha_cycle_duration_seconds_bucket{scope="batman",le="+Inf"} 4
            nodeagent_ha_cycle_duration_seconds_sum{scope="batman"} 12.5
            nodeagent_ha_cycle_duration_seconds_count{scope="batman"} 4

            """.ReplaceLineEndings("\n"), text, StringComparison.Ordinal);
        Assert.Contains("nodeagent_dcs_call_duration_seconds_bucket{scope=\"batman\",le=\"+Inf\"} 0\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Patroni_metrics_come_first_and_every_sample_has_its_type_line()
    {
        var lines = MetricsWriter.Write(Snapshots.Leader(), null).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var typed = lines.Where(l => l.StartsWith("# TYPE ", StringComparison.Ordinal)).Select(l => l.Split(' ')[2]).ToHashSet();

        Assert.StartsWith("# HELP patroni_version ", lines[0], StringComparison.Ordinal);
        Assert.All(lines.Where(l => !l.StartsWith('#')), l => Assert.Contains(MetricsText.Family(MetricsText.SampleName(l)), typed));
    }

    [Theory]
    [InlineData("streaming", "1", "0")]
    [InlineData("in archive recovery", "0", "1")]
    [InlineData(null, "0", "0")]
    public void Patroni_3_0_4_replication_state_metrics_sit_between_xlog_paused_and_server_version(string? state, string streaming, string archive)
    {
        var text = MetricsWriter.Write(Snapshots.Replica() with { ReplicationState = state }, null);

        Assert.Contains($$"""
            patroni_xlog_paused{scope="batman"} 0
            # HELP patroni_postgres_streaming Value is 1 if Postgres is streaming, 0 otherwise.
            # TYPE patroni_postgres_streaming gauge
            patroni_postgres_streaming{scope="batman"} {{streaming}}
            # HELP patroni_postgres_in_archive_recovery Value is 1 if Postgres is replicating from archive, 0 otherwise.
            # TYPE patroni_postgres_in_archive_recovery gauge
            patroni_postgres_in_archive_recovery{scope="batman"} {{archive}}
            # HELP patroni_postgres_server_version Version of Postgres (if running), 0 otherwise.

            """.ReplaceLineEndings("\n"), text, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_a_server_version_the_replication_state_metrics_are_left_out_as_patroni_does()
    {
        var text = MetricsWriter.Write(Snapshots.Replica() with { ServerVersion = null, State = "stopped" }, null);

        Assert.DoesNotContain("patroni_postgres_streaming", text, StringComparison.Ordinal);
        Assert.DoesNotContain("patroni_postgres_in_archive_recovery", text, StringComparison.Ordinal);
    }
}
