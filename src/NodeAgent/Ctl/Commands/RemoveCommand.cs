using NodeAgent.Ctl.Cli;
using NodeAgent.Ctl.Output;

namespace NodeAgent.Ctl.Commands;

/// <summary><c>remove CLUSTER</c>: after three confirmations, deletes every key of the cluster.</summary>
internal static class RemoveCommand
{
    private const string Awareness = "Yes I am aware";

    public static CommandSpec Spec { get; } = new(
        "remove",
        "Remove cluster from DCS",
        [
            OptionSpec.Typed("INTEGER", "Citus group", "--group"),
            OptionSpec.Text("Output format (pretty, tsv, json, yaml)", "-f", "--format"),
        ],
        [new("CLUSTER_NAME", Required: true)],
        RunAsync);

    private static async Task<int> RunAsync(CtlContext ctx, ParsedArgs args, CancellationToken ct)
    {
        var clusterName = args.Argument("CLUSTER_NAME")!;
        var formatName = args.Value("format") ?? "pretty";
        if (!OutputPrinter.TryParseFormat(formatName, out var format))
        {
            throw new CtlException($"Unknown output format: {formatName}");
        }

        using var dcs = ctx.OpenDcs(clusterName);
        var view = await dcs.ReadAsync(ct).ConfigureAwait(false);
        ctx.Console.Out.Write(ListRenderer.Render(view, clusterName, extended: false, format));

        if (ctx.Console.Prompt("Please confirm the cluster name to remove") != clusterName)
        {
            throw new CtlException("Cluster names specified do not match");
        }

        if (ctx.Console.Prompt($"You are about to remove all information in DCS for {clusterName}, please type: \"{Awareness}\"") != Awareness)
        {
            throw new CtlException($"You did not exactly type \"{Awareness}\"");
        }

        if (view.Leader is { } leader
            && ctx.Console.Prompt("This cluster currently is healthy. Please specify the leader name to continue") != leader.Name)
        {
            throw new CtlException("You did not specify the current leader of the cluster");
        }

        await dcs.DeleteClusterAsync(ct).ConfigureAwait(false);
        return 0;
    }
}
