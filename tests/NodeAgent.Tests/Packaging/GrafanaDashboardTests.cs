using System.Text.Json.Nodes;
using NodeAgent.Api.Status;
using NodeAgent.Metrics;
using NodeAgent.Tests.Api;

namespace NodeAgent.Tests.Packaging;

/// <summary>packaging/grafana/nodeagent-dashboard.json asks only for series the agent exports.</summary>
public sealed class GrafanaDashboardTests
{
    private static readonly JsonNode Dashboard =
        JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "nodeagent-dashboard.json")))!;

    [Theory]
    [InlineData("histogram_quantile(0.99, sum by (instance, le) (rate(x_bucket{scope=\"$scope\",le!=\"1e3\"}[5m])))", "x_bucket")]
    [InlineData("scalar(max(a{s=\"1\"})) - b and on(instance) c == 1e3", "a b c")]
    [InlineData("increase(d_total{scope=\"$scope\"}[$__rate_interval]) > bool 0", "d_total")]
    [InlineData("label_values(patroni_version, scope)", "patroni_version")]
    public void Metric_names_are_read_out_of_promql(string expression, string names) =>
        Assert.Equal(names.Split(' ').ToHashSet(), PromQlNames.Of(expression));

    [Fact]
    public void Every_query_names_only_metrics_the_agent_exports()
    {
        var queries = Queries(Dashboard).ToList();
        var used = queries.SelectMany(PromQlNames.Of).ToHashSet();
        var exported = Exported();

        Assert.True(queries.Count >= 10, $"only {queries.Count} queries found");
        Assert.Empty(used.Except(exported));
    }

    [Fact]
    public void The_dashboard_shows_roles_lag_timeline_loop_and_dcs_timings_and_failovers()
    {
        var used = Queries(Dashboard).SelectMany(PromQlNames.Of).ToHashSet();

        Assert.Superset(
            new HashSet<string>
            {
                "patroni_primary", "patroni_replica", "patroni_xlog_location", "patroni_xlog_replayed_location", "patroni_postgres_timeline",
                "nodeagent_ha_cycle_duration_seconds_bucket", "nodeagent_dcs_call_duration_seconds_bucket",
                "nodeagent_leader_lock_acquisitions_total", "nodeagent_promotions_total", "nodeagent_demotions_total",
                "patroni_postgres_streaming", "patroni_postgres_in_archive_recovery",
            },
            used);
    }

    /// <summary>Every series /metrics writes, on a leader and on a replica, with the counters the agent publishes.</summary>
    private static HashSet<string> Exported()
    {
        var metrics = new AgentCounters().Snapshot();
        var leader = MetricsWriter.Write(Snapshots.Leader() with { Metrics = metrics }, TimeSpan.FromSeconds(1));
        var replica = MetricsWriter.Write(Snapshots.Replica() with { Metrics = metrics }, null);
        return [.. MetricsText.Exported(leader), .. MetricsText.Exported(replica)];
    }

    /// <summary>The PromQL of panels, annotations and query variables, wherever they are nested.</summary>
    private static IEnumerable<string> Queries(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (key, value) in o)
                {
                    if (key == "expr" || (key is "query" or "definition" && o["type"]?.GetValue<string>() != "datasource" && value is JsonValue))
                    {
                        yield return value!.GetValue<string>();
                    }
                    else
                    {
                        foreach (var q in Queries(value))
                        {
                            yield return q;
                        }
                    }
                }

                break;
            case JsonArray a:
                foreach (var q in a.SelectMany(Queries))
                {
                    yield return q;
                }

                break;
        }
    }
}
