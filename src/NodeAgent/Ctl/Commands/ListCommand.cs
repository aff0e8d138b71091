using NodeAgent.Ctl.Cli;
using NodeAgent.Ctl.Output;

namespace NodeAgent.Ctl.Commands;

/// <summary><c>list</c> and <c>topology</c>: the member table of one or more clusters, optionally refreshed.</summary>
internal static class ListCommand
{
    public static CommandSpec List { get; } = new(
        "list",
        "List the Patroni members for a given Patroni",
        [
            OptionSpec.Typed("INTEGER", "Citus group", "--group"),
            OptionSpec.Flag("Show some extra information", "-e", "--extended"),
            OptionSpec.Flag("Print timestamp", "-t", "--timestamp"),
            OptionSpec.Text("Output format (pretty, tsv, json, yaml)", "-f", "--format"),
            OptionSpec.Flag("Auto update the screen every 2 seconds", "-W"),
            OptionSpec.Typed("FLOAT", "Auto update the screen every X seconds", "-w", "--watch"),
        ],
        [new ArgumentSpec("CLUSTER_NAMES", Required: false, Variadic: true)],
        (ctx, args, ct) => RunAsync(ctx, args, args.Value("format") ?? "pretty", ct));

    public static CommandSpec Topology { get; } = new(
        "topology",
        "Prints ASCII topology for given cluster",
        [
            OptionSpec.Typed("INTEGER", "Citus group", "--group"),
            OptionSpec.Flag("Auto update the screen every 2 seconds", "-W"),
            OptionSpec.Typed("FLOAT", "Auto update the screen every X seconds", "-w", "--watch"),
        ],
        [new ArgumentSpec("CLUSTER_NAMES", Required: false, Variadic: true)],
        (ctx, args, ct) => RunAsync(ctx, args, "topology", ct));

    private static async Task<int> RunAsync(CtlContext ctx, ParsedArgs args, string formatName, CancellationToken ct)
    {
        if (!OutputPrinter.TryParseFormat(formatName, out var format))
        {
            throw new CtlException($"Unknown output format: {formatName}");
        }

        var names = args.Arguments("CLUSTER_NAMES").ToList();
        if (names.Count == 0 && ctx.Settings.Scope is { } scope)
        {
            names.Add(scope);
        }

        if (names.Count == 0)
        {
            await ctx.Console.Error.WriteAsync("Listing members: No cluster names were provided\n").ConfigureAwait(false);
            return 0;
        }

        var interval = args.Number("watch") ?? (args.Flag("W") ? 2 : (double?)null);
        while (true)
        {
            if (interval is not null)
            {
                // click.clear(): ANSI clear screen and home.
                ctx.Console.Out.Write("\u001b[2J\u001b[1;1H");
            }

            if (args.Flag("timestamp"))
            {
                ctx.Console.Echo(ctx.Timestamp(0));
            }

            foreach (var name in names)
            {
                using var dcs = ctx.OpenDcs(name);
                var view = await dcs.ReadAsync(ct).ConfigureAwait(false);
                var failsafe = await FailsafeStates.ReadAsync(ctx, view, args.Flag("extended"), ct).ConfigureAwait(false);
                ctx.Console.Out.Write(ListRenderer.Render(view, name, args.Flag("extended"), format, failsafe));
            }

            if (interval is not { } seconds)
            {
                return 0;
            }

            await ctx.Console.Out.FlushAsync(ct).ConfigureAwait(false);
            await Task.Delay(TimeSpan.FromSeconds(seconds), ctx.Time, ct).ConfigureAwait(false);
        }
    }
}
