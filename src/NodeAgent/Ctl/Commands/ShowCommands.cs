using NodeAgent.Ctl.Cli;
using NodeAgent.Ctl.Output;

namespace NodeAgent.Ctl.Commands;

/// <summary><c>show-config</c> and <c>history</c>: read-only views of the config and history keys.</summary>
internal static class ShowCommands
{
    public static CommandSpec ShowConfig { get; } = new(
        "show-config",
        "Show cluster configuration",
        [OptionSpec.Typed("INTEGER", "Citus group", "--group")],
        [new ArgumentSpec("CLUSTER_NAME", Required: false)],
        async (ctx, args, ct) =>
        {
            using var dcs = ctx.OpenDcs(ctx.ClusterName(args.Argument("CLUSTER_NAME")));
            var view = await dcs.ReadAsync(ct).ConfigureAwait(false);
            ctx.Console.Out.Write(ConfigRenderer.Render(view));
            return 0;
        });

    public static CommandSpec History { get; } = new(
        "history",
        "Show the history of failovers/switchovers",
        [
            OptionSpec.Typed("INTEGER", "Citus group", "--group"),
            OptionSpec.Text("Output format (pretty, tsv, json, yaml)", "-f", "--format"),
        ],
        [new ArgumentSpec("CLUSTER_NAME", Required: false)],
        async (ctx, args, ct) =>
        {
            var formatName = args.Value("format") ?? "pretty";
            if (!OutputPrinter.TryParseFormat(formatName, out var format))
            {
                throw new CtlException($"Unknown output format: {formatName}");
            }

            using var dcs = ctx.OpenDcs(ctx.ClusterName(args.Argument("CLUSTER_NAME")));
            var view = await dcs.ReadAsync(ct).ConfigureAwait(false);
            ctx.Console.Out.Write(HistoryRenderer.Render(view, format));
            return 0;
        });
}
