using System.Text.Json.Nodes;
using NodeAgent.Cluster;
using NodeAgent.Ctl.Cli;
using NodeAgent.Ctl.Output;

namespace NodeAgent.Ctl.Commands;

/// <summary><c>pause</c> / <c>resume</c>: PATCH /config {"pause": true|null} on the first member that answers, leader first.</summary>
internal static class PauseCommand
{
    public static CommandSpec Pause { get; } = Spec("pause", "Disable auto failover", "Wait until pause is applied on all nodes", paused: true);

    public static CommandSpec Resume { get; } = Spec("resume", "Resume auto failover", "Wait until pause is cleared on all nodes", paused: false);

    private static CommandSpec Spec(string name, string help, string waitHelp, bool paused) => new(
        name,
        help,
        [OptionSpec.Typed("INTEGER", "Citus group", "--group"), OptionSpec.Flag(waitHelp, "--wait")],
        [new ArgumentSpec("CLUSTER_NAME", Required: false)],
        (ctx, args, ct) => ToggleAsync(ctx, ctx.ClusterName(args.Argument("CLUSTER_NAME")), paused, args.Flag("wait"), ct));

    private static async Task<int> ToggleAsync(CtlContext ctx, string clusterName, bool paused, bool wait, CancellationToken ct)
    {
        using var dcs = ctx.OpenDcs(clusterName);
        var view = await dcs.ReadAsync(ct).ConfigureAwait(false);
        if (ClusterFlags.IsPaused(view) == paused)
        {
            throw new CtlException($"Cluster is {(paused ? "already" : "not")} paused");
        }

        var body = new JsonObject { ["pause"] = paused ? true : null };
        foreach (var member in MemberSelection.LeaderFirst(view))
        {
            Rest.RestResponse response;
            try
            {
                response = await ctx.Api.RequestAsync(member, HttpMethod.Patch, "config", body, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                MemberSelection.Warn(ctx, e.Message);
                MemberSelection.Warn(ctx, $"Member {member.Name} is not accessible");
                continue;
            }

            if (response.Status == 200)
            {
                if (wait)
                {
                    await WaitUntilAppliedAsync(ctx, dcs, paused, view, ct).ConfigureAwait(false);
                }
                else
                {
                    ctx.Console.Echo($"Success: cluster management is {(paused ? "paused" : "resumed")}");
                }
            }
            else
            {
                ctx.Console.Echo($"Failed: {(paused ? "pause" : "resume")} cluster management status code={response.Status}, ({response.Body})");
            }

            return 0;
        }

        throw new CtlException("Can not find accessible cluster member");
    }

    private static async Task WaitUntilAppliedAsync(CtlContext ctx, Dcs.ICtlDcs dcs, bool paused, ClusterView old, CancellationToken ct)
    {
        ctx.Console.Echo($"'{(paused ? "pause" : "resume")}' request sent, waiting until it is recognized by all nodes");
        var before = old.Members.Where(m => !string.IsNullOrEmpty(m.Data.ApiUrl)).ToDictionary(m => m.Name, m => m.ModRevision, StringComparer.Ordinal);
        var loopWait = ClusterFlags.LoopWait(old);
        var deadline = ctx.Time.GetTimestamp() + (long)((loopWait + 1) * (double)ctx.Time.TimestampFrequency);
        ClusterView view;
        while (true)
        {
            view = await dcs.ReadAsync(ct).ConfigureAwait(false);
            if (view.Members.Where(m => before.ContainsKey(m.Name)).All(m => m.Data.Pause == paused))
            {
                break;
            }

            if (ctx.Time.GetTimestamp() >= deadline)
            {
                var remaining = view.Members.Where(m => before.TryGetValue(m.Name, out var rev) && m.Data.Pause != paused && rev != m.ModRevision)
                    .Select(m => m.Name).ToList();
                if (remaining.Count > 0)
                {
                    ctx.Console.Echo($"{string.Join(", ", remaining)} members didn't recognized pause state after {loopWait} seconds");
                    return;
                }

                break;
            }

            await Task.Delay(TimeSpan.FromSeconds(1), ctx.Time, ct).ConfigureAwait(false);
        }

        ctx.Console.Echo($"Success: cluster management is {(paused ? "paused" : "resumed")}");
    }
}
