using NodeAgent.Ctl.Cli;
using NodeAgent.Ctl.Commands;

namespace NodeAgent.Ctl;

/// <summary>Every agentctl command, in one place.</summary>
internal static class CommandTable
{
    public static IReadOnlyList<CommandSpec> All { get; } =
    [
        DsnCommand.Spec,
        EditConfigCommand.Spec,
        SwitchoverCommand.Failover,
        FlushCommand.Spec,
        ShowCommands.History,
        ListCommand.List,
        PauseCommand.Pause,
        QueryCommand.Spec,
        MemberActionCommands.Reinit,
        MemberActionCommands.Reload,
        RemoveCommand.Spec,
        MemberActionCommands.Restart,
        PauseCommand.Resume,
        ShowCommands.ShowConfig,
        SwitchoverCommand.Switchover,
        ListCommand.Topology,
        VersionCommand.Spec,
    ];

    public static CommandSpec? Find(string name) => All.FirstOrDefault(c => c.Name == name);
}
