using NodeAgent.Ctl.Cli;
using NodeAgent.Ctl.Output;

namespace NodeAgent.Ctl.Commands;

/// <summary><c>dsn</c>: "host=H port=P" of the leader, of a member with a role, or of a named member.</summary>
internal static class DsnCommand
{
    public static CommandSpec Spec { get; } = new(
        "dsn",
        "Generate a dsn for the provided member, defaults to a dsn of the leader",
        [
            OptionSpec.Typed(MemberSelection.RoleMetavar, "Give a dsn of any member with this role", "-r", "--role"),
            OptionSpec.Text("Generate a dsn for this member", "-m", "--member"),
            OptionSpec.Typed("INTEGER", "Citus group", "--group"),
        ],
        [new ArgumentSpec("CLUSTER_NAME", Required: false)],
        RunAsync)
    {
        ShortHelp = "Generate a dsn for the provided member, defaults to a dsn...",
    };

    private static async Task<int> RunAsync(CtlContext ctx, ParsedArgs args, CancellationToken ct)
    {
        var (role, member) = RoleOrMember(args);
        using var dcs = ctx.OpenDcs(ctx.ClusterName(args.Argument("CLUSTER_NAME")));
        var view = await dcs.ReadAsync(ct).ConfigureAwait(false);
        var m = MemberSelection.ByRole(view, role).FirstOrDefault(x => member is null || x.Name == member)
            ?? throw new CtlException("Can not find a suitable member");
        var (host, port) = ConnUrl.HostAndPort(m.Data.ConnUrl);
        ctx.Console.Echo($"host={host ?? "None"} port={port?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "None"}");
        return 0;
    }

    /// <summary>--role and --member exclude each other; a member means any role, nothing means the leader.</summary>
    public static (string Role, string? Member) RoleOrMember(ParsedArgs args)
    {
        var member = args.Value("member");
        var role = args.Value("role");
        if (member is not null)
        {
            if (role is not null)
            {
                throw new CtlException("--role and --member are mutually exclusive options");
            }

            return ("any", member);
        }

        return (MemberSelection.CheckRole(role ?? "leader"), null);
    }
}
