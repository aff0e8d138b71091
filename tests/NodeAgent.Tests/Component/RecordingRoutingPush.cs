using NodeAgent.Ha;
using NodeAgent.Routing;

namespace NodeAgent.Tests.Component;

/// <summary>Records what the executor and loop ask the routing push for, with whether the node held the lock when it asked.</summary>
internal sealed class RecordingRoutingPush(LeaseClock lease) : IRoutingPush
{
    private bool? _lastConfirm;

    /// <summary>"promoted", "withdraw", and "confirm primary" / "confirm not primary" whenever that answer changes.</summary>
    public List<(string Call, bool HeldLock)> Calls { get; } = [];

    /// <summary>What HAProxy is said to have taken: set by a test.</summary>
    public bool Withdrawn { get; set; }

    public void Promoted() => Calls.Add(("promoted", lease.Holds));

    public void Withdraw() => Calls.Add(("withdraw", lease.Holds));

    public void Confirm(bool primaryWithLock)
    {
        if (_lastConfirm != primaryWithLock)
        {
            Calls.Add((primaryWithLock ? "confirm primary" : "confirm not primary", lease.Holds));
            _lastConfirm = primaryWithLock;
        }
    }
}
