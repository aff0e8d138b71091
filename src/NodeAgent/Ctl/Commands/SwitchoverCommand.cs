using System.Text.Json.Nodes;
using NodeAgent.Cluster;
using NodeAgent.Ctl.Cli;
using NodeAgent.Ctl.Output;

namespace NodeAgent.Ctl.Commands;

/// <summary>
/// <c>switchover</c> and <c>failover</c> (patronictl's <c>_do_failover_or_switchover</c>): check leader and
/// candidate, prompt for what is missing, POST to the leader (or to the candidate without a leader), and
/// write the DCS <c>failover</c> key directly when the API cannot be reached.
/// </summary>
internal static class SwitchoverCommand
{
    private static readonly OptionSpec GroupOption = OptionSpec.Typed("INTEGER", "Citus group", "--group");
    private static readonly OptionSpec LeaderOption = OptionSpec.Text("The name of the current leader", "--leader", "--primary", "--master");
    private static readonly OptionSpec CandidateOption = OptionSpec.Text("The name of the candidate", "--candidate");
    private static readonly OptionSpec ForceOption = OptionSpec.Flag("Do not ask for confirmation at any point", "--force");

    public static CommandSpec Switchover { get; } = new(
        "switchover",
        "Switchover to a replica",
        [GroupOption, LeaderOption, CandidateOption,
         OptionSpec.Text("Timestamp of a scheduled switchover in unambiguous format (e.g. ISO 8601)", "--scheduled"), ForceOption],
        [new ArgumentSpec("CLUSTER_NAME", Required: false)],
        (ctx, args, ct) => RunAsync(ctx, args, "switchover", args.Value("scheduled"), ct));

    public static CommandSpec Failover { get; } = new(
        "failover",
        "Failover to a replica",
        [GroupOption, LeaderOption, CandidateOption, ForceOption],
        [new ArgumentSpec("CLUSTER_NAME", Required: false)],
        // patronictl turns "failover --leader X" into a switchover.
        (ctx, args, ct) => RunAsync(ctx, args, args.Value("leader") is null ? "failover" : "switchover", null, ct));

    private static async Task<int> RunAsync(CtlContext ctx, ParsedArgs args, string action, string? scheduled, CancellationToken ct)
    {
        var clusterName = ctx.ClusterName(args.Argument("CLUSTER_NAME"));
        var force = args.Flag("force");
        using var dcs = ctx.OpenDcs(clusterName);
        var view = await dcs.ReadAsync(ct).ConfigureAwait(false);
        ctx.Console.Echo("Current cluster topology");
        ctx.Console.Out.Write(ListRenderer.Render(view, clusterName, extended: false, OutputFormat.Pretty));

        if (action == "switchover" && view.Leader is null)
        {
            throw new CtlException("This cluster has no leader");
        }

        var leader = args.Value("leader");
        if (leader is null)
        {
            leader = force || action == "failover"
                ? view.Leader?.Name
                : ctx.Console.Prompt(ClusterFlags.IsStandbyCluster(view) ? "Standby Leader" : "Primary", view.Leader!.Name);
        }

        if (leader is not null && view.Leader is not null && view.Leader.Name != leader)
        {
            throw new CtlException($"Member {leader} is not the leader of cluster {clusterName}");
        }

        var candidates = view.Members.Where(m => m.Name != leader && !m.Data.NoFailover).Select(m => m.Name)
            .OrderBy(n => n, StringComparer.Ordinal).ToList();
        if (candidates.Count == 0)
        {
            throw new CtlException($"No candidates found to {action} to");
        }

        var candidate = args.Value("candidate");
        if (candidate is null && !force)
        {
            candidate = ctx.Console.Prompt("Candidate [" + string.Join(", ", candidates.Select(c => "'" + c + "'")) + "]", "");
        }

        candidate = string.IsNullOrEmpty(candidate) ? null : candidate;
        if (action == "failover" && candidate is null)
        {
            throw new CtlException("Failover could be performed only to a specific candidate");
        }

        if (candidate == leader && candidate is not null)
        {
            throw new CtlException(char.ToUpperInvariant(action[0]) + action[1..] + " target and source are the same.");
        }

        if (candidate is not null && !candidates.Contains(candidate))
        {
            throw new CtlException($"Member {candidate} does not exist in cluster {clusterName}");
        }

        DateTimeOffset? scheduledAt = null;
        if (action == "switchover")
        {
            if (scheduled is null && !force)
            {
                scheduled = ctx.Console.Prompt($"When should the switchover take place (e.g. {ScheduleParser.NextHour(ctx.Time)} ) ", "now");
            }

            scheduledAt = ScheduleParser.Parse(scheduled, ctx.Time);
            if (scheduledAt is not null && ClusterFlags.IsPaused(view))
            {
                throw new CtlException("Can't schedule switchover in the paused state");
            }
        }

        var scheduledText = scheduledAt is { } at ? PyDateTime.IsoFormat(at) : null;
        ConfirmAction(ctx, action, clusterName, leader, scheduledText, force);

        var body = new JsonObject { ["leader"] = leader, ["candidate"] = candidate, ["scheduled_at"] = scheduledText };
        var target = view.Leader is not null ? view.LeaderMember : (candidate is null ? null : view.FindMember(candidate));
        try
        {
            if (target is null || string.IsNullOrEmpty(target.Data.ApiUrl))
            {
                throw new HttpRequestException("the member has no api_url");
            }

            var response = await ctx.Api.RequestAsync(target, HttpMethod.Post, action, body, ct).ConfigureAwait(false);
            if (response.Status is not (200 or 202))
            {
                ctx.Console.Echo($"{char.ToUpperInvariant(action[0]) + action[1..]} failed, details: {response.Status}, {response.Body}");
                return 0;
            }

            view = await dcs.ReadAsync(ct).ConfigureAwait(false);
            ctx.Console.Echo($"{ctx.Timestamp()} {response.Body}");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            MemberSelection.Warn(ctx, "Failing over to DCS");
            ctx.Console.Echo($"{ctx.Timestamp()} Could not {action} using Patroni api, falling back to DCS");
            await dcs.SetFailoverAsync(leader, candidate, scheduledAt, null, ct).ConfigureAwait(false);
        }

        ctx.Console.Out.Write(ListRenderer.Render(view, clusterName, extended: false, OutputFormat.Pretty));
        return 0;
    }

    private static void ConfirmAction(CtlContext ctx, string action, string clusterName, string? leader, string? scheduledAt, bool force)
    {
        if (force)
        {
            return;
        }

        var demote = leader is not null ? ", demoting current leader " + leader : "";
        if (scheduledAt is not null)
        {
            if (!ctx.Console.Confirm($"Are you sure you want to schedule {action} of cluster {clusterName} at {scheduledAt}{demote}?"))
            {
                throw new CtlException("Aborting scheduled " + action);
            }
        }
        else if (!ctx.Console.Confirm($"Are you sure you want to {action} cluster {clusterName}{demote}?"))
        {
            throw new CtlException("Aborting " + action);
        }
    }
}
