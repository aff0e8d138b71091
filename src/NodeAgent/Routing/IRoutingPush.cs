namespace NodeAgent.Routing;

/// <summary>
/// The routing push as the HA executor and loop see it: each call only records what HAProxy should be told and returns at
/// once; the push itself runs beside the HA cycle, never inside it.
/// </summary>
public interface IRoutingPush
{
    /// <summary>Postgres was promoted (or started as primary) under our lock.</summary>
    void Promoted();

    /// <summary>The lock holder is about to demote: out of the primary backend before postgres stops.</summary>
    void Withdraw();

    /// <summary>
    /// End of each cycle: are we the lock holder with a running primary? A primary push that failed is tried again here,
    /// once per cycle; a node that is no longer the lock holder stops pushing.
    /// </summary>
    void Confirm(bool primaryWithLock);

    /// <summary>The last push every HAProxy took was this node's withdrawal from the primary backend.</summary>
    bool Withdrawn { get; }
}

/// <summary>No <c>haproxy_runtime</c> configured: routing is the health checks' alone.</summary>
public sealed class NoRoutingPush : IRoutingPush
{
    public static readonly NoRoutingPush Instance = new();

    public void Promoted()
    {
    }

    public void Withdraw()
    {
    }

    public void Confirm(bool primaryWithLock)
    {
    }

    public bool Withdrawn => false;
}
