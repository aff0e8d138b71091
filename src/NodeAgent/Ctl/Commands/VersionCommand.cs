using System.Globalization;
using System.Text.Json.Nodes;
using NodeAgent.Ctl.Cli;

namespace NodeAgent.Ctl.Commands;

/// <summary><c>version [CLUSTER [MEMBER...]]</c>: our version, then each member's agent (Patroni or NodeAgent) and PostgreSQL versions.</summary>
internal static class VersionCommand
{
    public static CommandSpec Spec { get; } = new(
        "version",
        "Output version of agentctl command or a running Patroni instance",
        [OptionSpec.Typed("INTEGER", "Citus group", "--group")],
        [new ArgumentSpec("CLUSTER_NAME", Required: false), new ArgumentSpec("MEMBER_NAMES", Required: false, Variadic: true)],
        RunAsync)
    {
        ShortHelp = "Output version of agentctl command or a running Patroni...",
    };

    private static async Task<int> RunAsync(CtlContext ctx, ParsedArgs args, CancellationToken ct)
    {
        ctx.Console.Echo($"agentctl version {AgentVersion.Current}");
        var clusterName = args.Argument("CLUSTER_NAME");
        if (clusterName is null)
        {
            return 0;
        }

        ctx.Console.Echo("");
        var wanted = args.Arguments("MEMBER_NAMES");
        using var dcs = ctx.OpenDcs(clusterName);
        var view = await dcs.ReadAsync(ct).ConfigureAwait(false);
        foreach (var m in view.Members.Where(m => !string.IsNullOrEmpty(m.Data.ApiUrl) && (wanted.Count == 0 || wanted.Contains(m.Name))))
        {
            try
            {
                var response = await ctx.Api.RequestAsync(m, HttpMethod.Get, "patroni", null, ct).ConfigureAwait(false);
                ctx.Console.Echo(MemberLine(m.Name, JsonNode.Parse(response.Body) as JsonObject));
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException)
            {
                ctx.Console.Echo($"{m.Name}: failed to get version: {e.Message}");
            }
        }

        return 0;
    }

    /// <summary>
    /// <c>ctl.py:version</c>'s line for a Patroni member ("u4: Patroni 3.0.2 PostgreSQL 15.18"); a NodeAgent member, which
    /// also reports patroni.version 3.0.2 for compatibility, is told apart by its "nodeagent" key.
    /// </summary>
    public static string MemberLine(string name, JsonObject? data)
    {
        var version = data?["patroni"]?["version"]?.ToString() ?? "None";
        var pg = data?["server_version"] is JsonValue v && v.TryGetValue<int>(out var n) && n > 0 ? " PostgreSQL " + FormatPgVersion(n) : "";
        return data?["nodeagent"]?["version"]?.ToString() is { } agent
            ? $"{name}: NodeAgent {agent} (as Patroni {version}){pg}"
            : $"{name}: Patroni {version}{pg}";
    }

    public static string FormatPgVersion(int version) => version < 100000
        ? string.Create(CultureInfo.InvariantCulture, $"{version / 10000}.{version / 100 % 100}.{version % 100}")
        : string.Create(CultureInfo.InvariantCulture, $"{version / 10000}.{version % 100}");
}
