using System.Text.Json.Nodes;
using NodeAgent.Configuration.Parsing;

namespace NodeAgent.Configuration;

/// <summary>
/// The one rule set for the cluster-wide settings, wherever they come from: <c>bootstrap.dcs</c> in the file
/// (<c>--validate-config</c>, start-up, SIGHUP) and the <c>config</c> key written through PUT/PATCH /config and
/// <c>agentctl edit-config</c>. Types are checked strictly (a bad value is an error, not a default) and the timers
/// must keep the lease safe: <c>loop_wait + 2*retry_timeout &lt;= ttl</c>, loop_wait at least 1. Values the run time
/// raises anyway (retry_timeout, ttl below their minimums; see <see cref="DynamicConfigTimeouts"/>) and unknown
/// keys are only warnings.
/// </summary>
public static class DynamicConfigValidator
{
    // Blamed in this order when the timer rule fails and no edit says which one moved.
    private static readonly string[] Timers = ["retry_timeout", "loop_wait", "ttl"];

    /// <summary>
    /// Checks a whole dynamic config (the <c>config</c> key's JSON) as it would be stored. Paths are the config's own
    /// keys (<c>ttl</c>, <c>postgresql.parameters.port</c>). With <paramref name="previous"/>, a broken timer rule
    /// names the timer that changed, so <c>{"ttl": 5}</c> is reported on <c>ttl</c>.
    /// </summary>
    public static DynamicConfigValidationResult Validate(JsonObject config, JsonObject? previous = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        var problems = new ConfigProblems();
        var parsed = Check(new ConfigSection(config, "", problems), ChangedKeys(config, previous));
        return new DynamicConfigValidationResult(problems.HasErrors ? null : parsed, problems.Items);
    }

    /// <summary>
    /// A change to the stored config (PUT/PATCH /config, edit-config): only the errors the change brings in refuse it.
    /// Errors the stored config already had (written by another tool) are reported as warnings, so an operator can
    /// still pause such a cluster or fix one key at a time.
    /// </summary>
    public static DynamicConfigValidationResult ValidateChange(JsonObject config, JsonObject? stored)
    {
        ArgumentNullException.ThrowIfNull(config);
        var problems = new ConfigProblems();
        var parsed = Check(new ConfigSection(config, "", problems), ChangedKeys(config, stored));
        if (!problems.HasErrors)
        {
            return new DynamicConfigValidationResult(parsed, problems.Items);
        }

        var before = stored is null ? [] : Validate(stored).Errors.Select(e => (e.Path, e.Message)).ToHashSet();
        if (problems.Items.Any(p => p.Severity == ConfigSeverity.Error && !before.Contains((p.Path, p.Message))))
        {
            return new DynamicConfigValidationResult(null, problems.Items);
        }

        return new DynamicConfigValidationResult(parsed, [.. problems.Items.Select(p => p.Severity == ConfigSeverity.Error
            ? p with { Severity = ConfigSeverity.Warning, Message = $"{p.Message} (already so in the stored config)" }
            : p)]);
    }

    /// <summary>Maps <paramref name="s"/> and records every problem with its full path in the section's problems.</summary>
    internal static DynamicConfig Check(ConfigSection s, IReadOnlySet<string>? changed = null)
    {
        var config = DynamicConfigParser.Parse(s, reportUnknown: true);
        CheckTimers(config, s, changed ?? new HashSet<string>());
        CheckSynchronous(config, s);
        NotActedOnKeys.CheckDynamic(s.Json, s.Path, s.Problems);
        return config;
    }

    /// <summary>
    /// Patroni takes any synchronous_node_count and quietly behaves as with 1; below 1 it would name no standby while
    /// the operator believes commits wait for one, so it is refused.
    /// </summary>
    private static void CheckSynchronous(DynamicConfig config, ConfigSection s)
    {
        if (s.Json["synchronous_node_count"] is { } n && JsonScalars.TryGetInt(n, out var count) && count < 1)
        {
            s.Problems.Error(s.PathOf("synchronous_node_count"), "must be at least 1");
        }

        if (config.SynchronousModeStrict && !config.SynchronousMode)
        {
            s.Problems.Warning(s.PathOf("synchronous_mode_strict"), "has no effect without synchronous_mode: true");
        }
    }

    private static void CheckTimers(DynamicConfig config, ConfigSection s, IReadOnlySet<string> changed)
    {
        if (!Timers.All(key => s.Json[key] is not { } n || JsonScalars.TryGetInt(n, out _)))
        {
            return; // already reported as not an integer
        }

        foreach (var (key, value) in new[] { ("ttl", config.Ttl), ("loop_wait", config.LoopWait), ("retry_timeout", config.RetryTimeout) })
        {
            if (value > DynamicConfigTimeouts.MaxTimer)
            {
                // Timers become call deadlines and naps, which a day already exceeds in any sensible cluster.
                s.Problems.Error(s.PathOf(key), $"must be at most {DynamicConfigTimeouts.MaxTimer}");
            }
        }

        var sum = config.LoopWait + (2L * config.RetryTimeout);
        if (sum > config.Ttl)
        {
            var key = Timers.FirstOrDefault(changed.Contains) ?? Timers.FirstOrDefault(s.Json.ContainsKey) ?? "ttl";
            s.Problems.Error(s.PathOf(key),
                $"loop_wait + 2*retry_timeout <= ttl is violated: {config.LoopWait} + 2*{config.RetryTimeout} = {sum} > {config.Ttl}");
        }

        if (config.LoopWait < DynamicConfigTimeouts.MinLoopWait)
        {
            s.Problems.Error(s.PathOf("loop_wait"), $"must be at least {DynamicConfigTimeouts.MinLoopWait}");
        }

        if (config.RetryTimeout < DynamicConfigTimeouts.MinRetryTimeout)
        {
            s.Problems.Warning(s.PathOf("retry_timeout"), $"below {DynamicConfigTimeouts.MinRetryTimeout}; it will be raised to {DynamicConfigTimeouts.MinRetryTimeout}");
        }

        if (config.Ttl < DynamicConfigTimeouts.MinTtl)
        {
            s.Problems.Warning(s.PathOf("ttl"), $"below {DynamicConfigTimeouts.MinTtl}; Patroni 3.2+ raises it to {DynamicConfigTimeouts.MinTtl}");
        }
    }

    /// <summary>Top-level keys whose value differs between the two configs (added, removed or changed).</summary>
    private static HashSet<string> ChangedKeys(JsonObject config, JsonObject? previous)
    {
        var changed = new HashSet<string>(StringComparer.Ordinal);
        if (previous is null)
        {
            return changed;
        }

        foreach (var key in config.Select(p => p.Key).Concat(previous.Select(p => p.Key)))
        {
            if (!JsonNode.DeepEquals(config[key], previous[key]))
            {
                changed.Add(key);
            }
        }

        return changed;
    }
}
