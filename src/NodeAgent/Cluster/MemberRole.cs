namespace NodeAgent.Cluster;

/// <summary>Role as written to the member key. 3.0.2 writes "master" for the primary; "primary" is accepted on read.</summary>
public enum MemberRole
{
    Uninitialized,
    Primary,
    Replica,
    StandbyLeader,
    Demoted,
    Promoted,
}

public static class MemberRoleNames
{
    public static string ToWire(this MemberRole role) => role switch
    {
        MemberRole.Primary => "master",
        MemberRole.Replica => "replica",
        MemberRole.StandbyLeader => "standby_leader",
        MemberRole.Demoted => "demoted",
        MemberRole.Promoted => "promoted",
        _ => "uninitialized",
    };

    public static MemberRole FromWire(string? value) => value switch
    {
        "master" or "primary" => MemberRole.Primary,
        "replica" => MemberRole.Replica,
        "standby_leader" => MemberRole.StandbyLeader,
        "demoted" => MemberRole.Demoted,
        "promoted" => MemberRole.Promoted,
        _ => MemberRole.Uninitialized,
    };
}
