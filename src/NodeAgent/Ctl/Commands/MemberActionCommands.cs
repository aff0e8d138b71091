using NodeAgent.Cluster;
using System.Text.Json.Nodes;
using NodeAgent.Ctl.Cli;
using NodeAgent.Ctl.Output;

namespace NodeAgent.Ctl.Commands;

/// <summary><c>restart</c>, <c>reload</c> and <c>reinit</c>: one REST call per chosen member.</summary>
internal static class MemberActionCommands
{
    private static readonly OptionSpec GroupOption = OptionSpec.Typed("INTEGER", "Citus group", "--group");
    private static readonly OptionSpec ForceOption = OptionSpec.Flag("Do not ask for confirmation at any point", "--force");
    private static readonly ArgumentSpec[] ClusterAndMembers =
        [new("CLUSTER_NAME", Required: true), new("MEMBER_NAMES", Required: false, Variadic: true)];

    public static CommandSpec Reload { get; } = new(
        "reload",
        "Reload cluster member configuration",
        [GroupOption, OptionSpec.Typed(MemberSelection.RoleMetavar, "Reload only members with this role", "-r", "--role"), ForceOption],
        ClusterAndMembers,
        ReloadAsync);

    public static CommandSpec Restart { get; } = new(
        "restart",
        "Restart cluster member",
        [
            GroupOption,
            OptionSpec.Typed(MemberSelection.RoleMetavar, "Restart only members with this role", "-r", "--role"),
            OptionSpec.Flag("Restart a single member only", "--any"),
            OptionSpec.Text("Timestamp of a scheduled restart in unambiguous format (e.g. ISO 8601)", "--scheduled"),
            OptionSpec.Text("Restart if the PostgreSQL version is less than provided (e.g. 9.5.2)", "--pg-version"),
            OptionSpec.Flag("Restart if pending", "--pending"),
            OptionSpec.Text("Return error and fail over if necessary when restarting takes longer than this.", "--timeout"),
            ForceOption,
        ],
        ClusterAndMembers,
        RestartAsync);

    public static CommandSpec Reinit { get; } = new(
        "reinit",
        "Reinitialize cluster member",
        [GroupOption, ForceOption, OptionSpec.Flag("Wait until reinitialization completes", "--wait")],
        ClusterAndMembers,
        ReinitAsync);

    private static async Task<int> ReloadAsync(CtlContext ctx, ParsedArgs args, CancellationToken ct)
    {
        var clusterName = args.Argument("CLUSTER_NAME")!;
        using var dcs = ctx.OpenDcs(clusterName);
        var view = await dcs.ReadAsync(ct).ConfigureAwait(false);
        var role = MemberSelection.CheckRole(args.Value("role"));
        var members = MemberSelection.Pick(ctx, view, clusterName, args.Arguments("MEMBER_NAMES"), role, args.Flag("force"), "reload");
        foreach (var member in members)
        {
            var r = await ctx.Api.RequestAsync(member, HttpMethod.Post, "reload", null, ct).ConfigureAwait(false);
            ctx.Console.Echo(r.Status switch
            {
                200 => $"No changes to apply on member {member.Name}",
                202 => $"Reload request received for member {member.Name} and will be processed within {OutputPrinter.PyStr(view.Config?["loop_wait"])} seconds",
                _ => $"Failed: reload for member {member.Name}, status code={r.Status}, ({r.Body})",
            });
        }

        return 0;
    }

    private static async Task<int> RestartAsync(CtlContext ctx, ParsedArgs args, CancellationToken ct)
    {
        var clusterName = args.Argument("CLUSTER_NAME")!;
        var force = args.Flag("force");
        using var dcs = ctx.OpenDcs(clusterName);
        var view = await dcs.ReadAsync(ct).ConfigureAwait(false);
        var role = MemberSelection.CheckRole(args.Value("role"));
        var members = MemberSelection.Pick(ctx, view, clusterName, args.Arguments("MEMBER_NAMES"), role, force, "restart", confirm: false);

        var scheduled = args.Value("scheduled");
        if (scheduled is null && !force)
        {
            scheduled = ctx.Console.Prompt($"When should the restart take place (e.g. {ScheduleParser.NextHour(ctx.Time)}) ", "now");
        }

        var scheduledAt = ScheduleParser.Parse(scheduled, ctx.Time);
        var scheduledText = scheduledAt is { } at ? PyDateTime.IsoFormat(at) : null;
        MemberSelection.Confirm(ctx, members, force, "restart", scheduledText);
        if (args.Flag("any"))
        {
            members = [members[Random.Shared.Next(members.Count)]];
        }

        var version = args.Value("pg-version");
        if (version is null && !force)
        {
            version = ctx.Console.Prompt("Restart if the PostgreSQL version is less than provided (e.g. 9.5.2) ", "");
        }

        var content = new JsonObject();
        if (args.Flag("pending"))
        {
            content["restart_pending"] = true;
        }

        if (!string.IsNullOrEmpty(version))
        {
            if (PgVersion.Problem(version) is { } problem)
            {
                throw new CtlException(problem);
            }

            content["postgres_version"] = version;
        }

        if (scheduledText is not null)
        {
            if (ClusterFlags.IsPaused(view))
            {
                throw new CtlException("Can't schedule restart in the paused state");
            }

            content["schedule"] = scheduledText;
        }

        if (args.Value("timeout") is { } timeout)
        {
            content["timeout"] = timeout;
        }

        foreach (var member in members)
        {
            if (content.ContainsKey("schedule") && force && member.Data.ScheduledRestart is not null)
            {
                var flushed = await ctx.Api.RequestAsync(member, HttpMethod.Delete, "restart", null, ct).ConfigureAwait(false);
                MemberSelection.CheckResponse(ctx, flushed, member.Name, "flush scheduled restart", silentSuccess: true);
            }

            var r = await ctx.Api.RequestAsync(member, HttpMethod.Post, "restart", content, ct).ConfigureAwait(false);
            ctx.Console.Echo(r.Status switch
            {
                200 => $"Success: restart on member {member.Name}",
                202 => $"Success: restart scheduled on member {member.Name}",
                409 => $"Failed: another restart is already scheduled on member {member.Name}",
                _ => $"Failed: restart for member {member.Name}, status code={r.Status}, ({r.Body})",
            });
        }

        return 0;
    }

    private static async Task<int> ReinitAsync(CtlContext ctx, ParsedArgs args, CancellationToken ct)
    {
        var clusterName = args.Argument("CLUSTER_NAME")!;
        var force = args.Flag("force");
        using var dcs = ctx.OpenDcs(clusterName);
        var view = await dcs.ReadAsync(ct).ConfigureAwait(false);
        var members = MemberSelection.Pick(ctx, view, clusterName, args.Arguments("MEMBER_NAMES"), "replica", force, "reinitialize");
        var waitOn = new List<Cluster.Member>();
        foreach (var member in members)
        {
            var body = new JsonObject { ["force"] = force };
            while (true)
            {
                var r = await ctx.Api.RequestAsync(member, HttpMethod.Post, "reinitialize", body, ct).ConfigureAwait(false);
                var started = MemberSelection.CheckResponse(ctx, r, member.Name, "reinitialize");
                if (!started && r.Body.EndsWith(" already in progress", StringComparison.Ordinal) && !force
                    && ctx.Console.Confirm("Do you want to cancel it and reinitialize anyway?"))
                {
                    body["force"] = true;
                    continue;
                }

                if (started && args.Flag("wait"))
                {
                    waitOn.Add(member);
                }

                break;
            }
        }

        var lastShown = new List<Cluster.Member>();
        while (waitOn.Count > 0)
        {
            if (!waitOn.SequenceEqual(lastShown))
            {
                ctx.Console.Echo("Waiting for reinitialize to complete on: " + string.Join(", ", waitOn.Select(m => m.Name)));
                lastShown = [.. waitOn];
            }

            await Task.Delay(TimeSpan.FromSeconds(2), ctx.Time, ct).ConfigureAwait(false);
            foreach (var member in waitOn.ToList())
            {
                var r = await ctx.Api.RequestAsync(member, HttpMethod.Get, "patroni", null, ct).ConfigureAwait(false);
                if (!StillReinitializing((JsonNode.Parse(r.Body) as JsonObject)?["state"]?.ToString()))
                {
                    ctx.Console.Echo($"Reinitialize is completed on: {member.Name}");
                    waitOn.Remove(member);
                }
            }
        }

        return 0;
    }

    /// <summary>
    /// patronictl waits while the state is "creating replica"; this also waits through the stop before the clone and
    /// the start after it, so "completed" means postgres runs again (or failed to).
    /// </summary>
    private static bool StillReinitializing(string? state) => state is "creating replica" or "stopping" or "starting";
}
