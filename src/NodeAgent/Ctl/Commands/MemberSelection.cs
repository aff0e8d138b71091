using NodeAgent.Cluster;
using NodeAgent.Ctl.Cli;
using NodeAgent.Ctl.Output;

namespace NodeAgent.Ctl.Commands;

/// <summary>patronictl's member pickers: by role, by name with prompts, and the "Are you sure" confirmation.</summary>
internal static class MemberSelection
{
    public const string RoleMetavar = "[leader|primary|standby-leader|replica|standby|any|master]";

    public static readonly string[] RoleChoices = ["leader", "primary", "standby-leader", "replica", "standby", "any", "master"];

    public static string CheckRole(string? role, string option = "'--role' / '-r'")
    {
        if (role is null || RoleChoices.Contains(role))
        {
            return role ?? "any";
        }

        throw new CtlUsageException($"Invalid value for {option}: '{role}' is not one of {string.Join(", ", RoleChoices.Select(r => "'" + r + "'"))}.");
    }

    /// <summary><c>get_all_members</c>: the leader for leader roles (if its role fits), else all or the non-leaders.</summary>
    public static List<Member> ByRole(ClusterView view, string role)
    {
        if (role is "leader" or "master" or "primary" or "standby-leader")
        {
            var leader = view.LeaderMember;
            if (leader is null)
            {
                return [];
            }

            var leaderRole = leader.Data.Role;
            var fits = role == "leader"
                || (role == "standby-leader" && leaderRole != MemberRole.Primary)
                || (role is "master" or "primary" && leaderRole != MemberRole.StandbyLeader);
            return fits ? [leader] : [];
        }

        var leaderName = view.Leader?.Name;
        return [.. view.Members.Where(m => role == "any" || (role is "replica" or "standby" && m.Name != leaderName))];
    }

    /// <summary>Leader first (when it has an api_url), then the other members with one.</summary>
    public static IEnumerable<Member> LeaderFirst(ClusterView view)
    {
        var leader = view.LeaderMember is { } l && !string.IsNullOrEmpty(l.Data.ApiUrl) ? l : null;
        if (leader is not null)
        {
            yield return leader;
        }

        foreach (var m in view.Members.Where(m => !string.IsNullOrEmpty(m.Data.ApiUrl) && m.Name != leader?.Name))
        {
            yield return m;
        }
    }

    /// <summary><c>get_members</c>: shows the table, narrows to the named members, prompts when none is named.</summary>
    public static List<Member> Pick(
        CtlContext ctx, ClusterView view, string clusterName, IReadOnlyList<string> names, string role, bool force, string action, bool confirm = true)
    {
        var members = ByRole(view, role);
        var candidates = members.Select(m => m.Name).ToList();
        if (candidates.Count == 0 && names.Count == 0)
        {
            throw new CtlException($"{clusterName} cluster doesn't have any members");
        }

        ctx.Console.Out.Write(ListRenderer.Render(view, clusterName, extended: false, OutputFormat.Pretty));

        List<string> chosen;
        if (names.Count > 0)
        {
            chosen = [.. names.Intersect(candidates, StringComparer.Ordinal)];
            if (chosen.Count == 0)
            {
                throw new CtlException($"No {role} among provided members");
            }
        }
        else
        {
            chosen = action != "reinitialize" ? candidates : [];
        }

        if (chosen.Count == 0 && !force)
        {
            chosen = [ctx.Console.Prompt($"Which member do you want to {action} [{string.Join(", ", candidates)}]?", "")];
        }

        foreach (var name in chosen.Where(n => !candidates.Contains(n)))
        {
            throw new CtlException($"{name} is not a member of cluster");
        }

        var picked = members.Where(m => chosen.Contains(m.Name)).ToList();
        if (confirm)
        {
            Confirm(ctx, picked, force, action, null);
        }

        return picked;
    }

    public static void Confirm(CtlContext ctx, IReadOnlyList<Member> members, bool force, string action, string? scheduledAt)
    {
        if (force)
        {
            return;
        }

        var names = string.Join(", ", members.Select(m => m.Name));
        if (scheduledAt is not null)
        {
            if (!ctx.Console.Confirm($"Are you sure you want to schedule {action} of members {names} at {scheduledAt}?"))
            {
                throw new CtlException($"Aborted scheduled {action}");
            }
        }
        else if (!ctx.Console.Confirm($"Are you sure you want to {action} members {names}?"))
        {
            throw new CtlException($"Aborted {action}");
        }
    }

    /// <summary>"Failed: ..." or "Success: ..." for one member; true on success.</summary>
    public static bool CheckResponse(CtlContext ctx, Rest.RestResponse response, string member, string action, bool silentSuccess = false)
    {
        if (response.Status >= 400)
        {
            ctx.Console.Echo($"Failed: {action} for member {member}, status code={response.Status}, ({response.Body})");
            return false;
        }

        if (!silentSuccess)
        {
            ctx.Console.Echo($"Success: {action} for member {member}");
        }

        return true;
    }

    /// <summary>Logs like Python's logging at WARNING: "time - WARNING - message" on stderr.</summary>
    public static void Warn(CtlContext ctx, string message) =>
        ctx.Console.Error.Write($"{ctx.Timestamp(4).Replace('.', ',')} - WARNING - {message}\n");
}
