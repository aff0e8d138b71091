namespace NodeAgent.Routing;

/// <summary>What the lock holder tells HAProxy about itself.</summary>
public enum RoutingRole
{
    /// <summary>Nothing to push: not the lock holder (only the lock holder pushes).</summary>
    None,

    /// <summary>Promoted: this server alone up in the primary backend, and out of the replica backend.</summary>
    Primary,

    /// <summary>Demoting: this server out of the primary backend, before postgres stops.</summary>
    Withdrawn,
}
