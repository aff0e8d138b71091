using System.Diagnostics;
using System.Text.Json.Nodes;
using NodeAgent.Configuration;
using NodeAgent.Configuration.Parsing;
using NodeAgent.Ctl.Cli;
using NodeAgent.Ctl.Output;

namespace NodeAgent.Ctl.Commands;

/// <summary>
/// <c>edit-config</c>: change the <c>config</c> key with -s/-p pairs, a YAML file (--apply merges,
/// --replace replaces) or $EDITOR; show the diff, refuse a config that breaks the dynamic config rules, confirm,
/// and write it with a compare on mod_revision.
/// </summary>
internal static class EditConfigCommand
{
    private static readonly string[] FallbackEditors = ["editor", "vi"];

    public static CommandSpec Spec { get; } = new(
        "edit-config",
        "Edit cluster configuration",
        [
            OptionSpec.Typed("INTEGER", "Citus group", "--group"),
            OptionSpec.Flag("Do not show changes", "-q", "--quiet"),
            OptionSpec.Many("Set specific configuration value. Can be specified multiple times", "-s", "--set"),
            OptionSpec.Many("Set specific PostgreSQL parameter value. Shorthand for -s postgresql.parameters. Can be specified multiple times", "-p", "--pg"),
            OptionSpec.Text("Apply configuration from file. Use - for stdin.", "--apply"),
            OptionSpec.Text("Apply configuration from file, replacing existing configuration. Use - for stdin.", "--replace"),
            OptionSpec.Flag("Do not ask for confirmation at any point", "--force"),
        ],
        [new ArgumentSpec("CLUSTER_NAME", Required: false)],
        RunAsync);

    private static async Task<int> RunAsync(CtlContext ctx, ParsedArgs args, CancellationToken ct)
    {
        var clusterName = ctx.ClusterName(args.Argument("CLUSTER_NAME"));
        var quiet = args.Flag("quiet");
        var force = args.Flag("force");
        using var dcs = ctx.OpenDcs(clusterName);
        var view = await dcs.ReadAsync(ct).ConfigureAwait(false);
        var original = view.Config ?? [];
        var before = PyYamlEmitter.Dump(original);

        JsonObject? changed = null;
        if (args.Value("replace") is { } replaceFile)
        {
            changed = [];
            ConfigEdits.Patch(changed, ReadYamlObject(ctx, replaceFile));
        }

        if (args.Value("apply") is { } applyFile)
        {
            changed ??= (JsonObject)original.DeepClone();
            ConfigEdits.Patch(changed, ReadYamlObject(ctx, applyFile));
        }

        var pairs = args.Values("set").Concat(args.Values("pg").Select(p => "postgresql.parameters." + p.TrimStart())).ToList();
        if (pairs.Count > 0)
        {
            changed ??= (JsonObject)original.DeepClone();
            foreach (var pair in pairs)
            {
                ConfigEdits.Set(changed, pair, ParseYaml);
            }
        }

        changed ??= await EditInEditorAsync(before, clusterName, ct).ConfigureAwait(false);
        if (ConfigEdits.Same(view.Config, changed))
        {
            if (!quiet)
            {
                ctx.Console.Echo("Not changed");
            }

            return 0;
        }

        if (!quiet)
        {
            foreach (var line in UnifiedDiff.Lines(Listify(before), Listify(PyYamlEmitter.Dump(changed))))
            {
                ctx.Console.Echo(line);
            }
        }

        RefuseInvalid(ctx, changed, original, quiet);
        if ((args.Value("apply") == "-" || args.Value("replace") == "-") && !force)
        {
            ctx.Console.Echo("Use --force option to apply changes");
            return 0;
        }

        if (force || ctx.Console.Confirm("Apply these changes?"))
        {
            if (!await dcs.SetConfigAsync(PyJson.Dumps(changed), view.ConfigModRevision, ct).ConfigureAwait(false))
            {
                throw new CtlException("Config modification aborted due to concurrent changes");
            }

            ctx.Console.Echo("Configuration changed");
        }

        return 0;
    }

    /// <summary>
    /// patronictl writes whatever it is given; we refuse a config that breaks the rules bootstrap.dcs must pass at
    /// start-up (the REST API applies the same ones), so a ttl too short for the lease cannot be stored from here.
    /// Warnings go to stderr and do not stop the write.
    /// </summary>
    private static void RefuseInvalid(CtlContext ctx, JsonObject changed, JsonObject original, bool quiet)
    {
        var result = DynamicConfigValidator.ValidateChange(changed, original);
        if (!result.IsValid)
        {
            throw new CtlException($"Invalid configuration, nothing written: {result.ErrorText}");
        }

        if (!quiet)
        {
            foreach (var warning in result.Warnings)
            {
                ctx.Console.Error.Write($"Warning: {warning.Path}: {warning.Message}\n");
            }
        }
    }

    private static List<string> Listify(string text) => [.. text.TrimEnd('\n').Split('\n')];

    /// <summary>YAML from --set, --apply or the editor; malformed text is an "Error: ..." line, not a stack trace.</summary>
    internal static JsonNode? ParseYaml(string text)
    {
        try
        {
            return YamlTree.ParseDocument(text);
        }
        catch (YamlSyntaxException e)
        {
            var at = e.Line > 0 ? $" at line {e.Line}, column {e.Column}" : "";
            throw new CtlException($"Can not parse the YAML{at}: {(e.Key is null ? "" : e.Key + ": ")}{e.Message}");
        }
    }

    private static JsonObject ReadYamlObject(CtlContext ctx, string file)
    {
        var text = file == "-" ? ctx.Console.In.ReadToEnd() : File.ReadAllText(file);
        return ParseYaml(text) as JsonObject ?? [];
    }

    /// <summary>Opens the YAML in $EDITOR (else editor, else vi) on a temporary file and reads it back.</summary>
    private static async Task<JsonObject> EditInEditorAsync(string before, string clusterName, CancellationToken ct)
    {
        var editor = Environment.GetEnvironmentVariable("EDITOR");
        if (string.IsNullOrEmpty(editor))
        {
            editor = FallbackEditors.Select(FindInPath).FirstOrDefault(p => p is not null)
                ?? throw new CtlException("EDITOR environment variable is not set. editor or vi are not available");
        }

        var file = Path.Combine(Path.GetTempPath(), $"{clusterName}-config-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(file, before, ct).ConfigureAwait(false);
        try
        {
            // The editor is interactive: it inherits our terminal, so it is started directly here.
            using var process = Process.Start(new ProcessStartInfo(editor, [file]) { UseShellExecute = false })
                ?? throw new CtlException($"Can not start the editor {editor}");
            await process.WaitForExitAsync(ct).ConfigureAwait(false);
            if (process.ExitCode != 0)
            {
                throw new CtlException($"Editor exited with return code {process.ExitCode}");
            }

            return ParseYaml(await File.ReadAllTextAsync(file, ct).ConfigureAwait(false)) as JsonObject ?? [];
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static string? FindInPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);
}
