using System.Globalization;
using System.Text;

namespace NodeAgent.Api.Status;

/// <summary>NodeAgent's counters and histograms in Prometheus text format, after the gauges of <see cref="MetricsWriter"/>.</summary>
internal static class AgentMetricsWriter
{
    public static void Write(StringBuilder sb, string scope, AgentMetrics m)
    {
        var label = $"scope=\"{scope}\"";
        Counter(sb, label, "nodeagent_promotions_total", "Number of times this agent promoted its postgres.", m.Promotions);
        Header(sb, "nodeagent_demotions_total", "Number of times this agent demoted its postgres, by demote mode.", "counter");
        foreach (var demotion in m.Demotions)
        {
            Sample(sb, "nodeagent_demotions_total", $"{label},mode=\"{demotion.Label}\"", Number(demotion.Count));
        }

        Counter(sb, label, "nodeagent_leader_lock_acquisitions_total", "Number of times this agent took the leader lock (bootstrap, failover, switchover).", m.LockAcquisitions);
        Counter(sb, label, "nodeagent_leader_lock_losses_total", "Number of times etcd refused to renew the leader lock this agent held.", m.LockLosses);
        Counter(sb, label, "nodeagent_dcs_errors_total", "Number of HA cycles in which a DCS call failed or ran out of retry_timeout.", m.DcsErrors);
        Counter(sb, label, "nodeagent_loop_overruns_total", "Number of times an HA cycle ran past loop_wait (\"Loop time exceeded\").", m.LoopOverruns);
        Histogram(sb, label, "nodeagent_ha_cycle_duration_seconds", "Duration of HA cycles in seconds.", m.HaCycleDuration);
        Histogram(sb, label, "nodeagent_dcs_call_duration_seconds", "Duration of the HA loop's DCS calls in seconds, retries included.", m.DcsCallDuration);
    }

    private static void Counter(StringBuilder sb, string label, string name, string help, long value)
    {
        Header(sb, name, help, "counter");
        Sample(sb, name, label, Number(value));
    }

    private static void Histogram(StringBuilder sb, string label, string name, string help, HistogramSnapshot h)
    {
        Header(sb, name, help, "histogram");
        long cumulative = 0;
        for (var i = 0; i < h.UpperBounds.Count; i++)
        {
            cumulative += h.BucketCounts[i];
            Sample(sb, name + "_bucket", $"{label},le=\"{h.UpperBounds[i].ToString("R", CultureInfo.InvariantCulture)}\"", Number(cumulative));
        }

        Sample(sb, name + "_bucket", $"{label},le=\"+Inf\"", Number(h.Count));
        Sample(sb, name + "_sum", label, h.Sum.ToString("R", CultureInfo.InvariantCulture));
        Sample(sb, name + "_count", label, Number(h.Count));
    }

    private static void Header(StringBuilder sb, string name, string help, string type)
    {
        sb.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n');
        sb.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
    }

    private static void Sample(StringBuilder sb, string name, string labels, string value) =>
        sb.Append(name).Append('{').Append(labels).Append("} ").Append(value).Append('\n');

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);
}
