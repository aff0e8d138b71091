using NodeAgent.Ctl.Cli;

namespace NodeAgent.Ctl.Commands;

/// <summary><c>flush CLUSTER [MEMBER...] restart|switchover</c>: cancel scheduled restarts or a scheduled switchover.</summary>
internal static class FlushCommand
{
    public static CommandSpec Spec { get; } = new(
        "flush",
        "Discard scheduled events",
        [
            OptionSpec.Typed("INTEGER", "Citus group", "--group"),
            OptionSpec.Typed(MemberSelection.RoleMetavar, "Flush only members with this role", "-r", "--role"),
            OptionSpec.Flag("Do not ask for confirmation at any point", "--force"),
        ],
        [new("CLUSTER_NAME", Required: true), new("MEMBER_NAMES", Required: false, Variadic: true), new("{restart|switchover}", Required: true)],
        RunAsync);

    private static async Task<int> RunAsync(CtlContext ctx, ParsedArgs args, CancellationToken ct)
    {
        var clusterName = args.Argument("CLUSTER_NAME")!;
        var target = args.Argument("{restart|switchover}");
        if (target is not ("restart" or "switchover"))
        {
            throw new CtlUsageException($"Invalid value for '{{restart|switchover}}': '{target}' is not one of 'restart', 'switchover'.") { Command = Spec };
        }

        using var dcs = ctx.OpenDcs(clusterName);
        var view = await dcs.ReadAsync(ct).ConfigureAwait(false);
        if (target == "restart")
        {
            var role = MemberSelection.CheckRole(args.Value("role"));
            foreach (var member in MemberSelection.Pick(ctx, view, clusterName, args.Arguments("MEMBER_NAMES"), role, args.Flag("force"), "flush"))
            {
                if (member.Data.ScheduledRestart is not null)
                {
                    var r = await ctx.Api.RequestAsync(member, HttpMethod.Delete, "restart", null, ct).ConfigureAwait(false);
                    MemberSelection.CheckResponse(ctx, r, member.Name, "flush scheduled restart");
                }
                else
                {
                    ctx.Console.Echo($"No scheduled restart for member {member.Name}");
                }
            }

            return 0;
        }

        if (view.Failover is not { ScheduledAt: not null } failover)
        {
            ctx.Console.Echo("No pending scheduled switchover");
            return 0;
        }

        foreach (var member in MemberSelection.LeaderFirst(view))
        {
            try
            {
                var r = await ctx.Api.RequestAsync(member, HttpMethod.Delete, "switchover", null, ct).ConfigureAwait(false);
                if (r.Status is 200 or 404)
                {
                    ctx.Console.Echo($"{(r.Status == 200 ? "Success" : "Failed")}: {r.Body}");
                    return 0;
                }

                ctx.Console.Echo($"Failed: member={member.Name}, status_code={r.Status}, ({r.Body})");
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                MemberSelection.Warn(ctx, e.Message);
                MemberSelection.Warn(ctx, $"Member {member.Name} is not accessible");
            }
        }

        MemberSelection.Warn(ctx, "Failing over to DCS");
        ctx.Console.Echo($"{ctx.Timestamp()} Could not find any accessible member of cluster {clusterName}");
        await dcs.SetFailoverAsync(null, null, null, failover.ModRevision, ct).ConfigureAwait(false);
        return 0;
    }
}
