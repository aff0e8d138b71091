namespace NodeAgent.Configuration;

/// <summary>The <c>tags</c> that change this node's behaviour (Patroni's <c>tags</c> section).</summary>
public sealed record MemberTags
{
    /// <summary>Never take the leader lock.</summary>
    public bool NoFailover { get; init; }

    /// <summary>Other nodes may clone from this one.</summary>
    public bool CloneFrom { get; init; }

    /// <summary>/replica answers 503 so load balancers skip this node.</summary>
    public bool NoLoadBalance { get; init; }

    /// <summary>Cascade from this member instead of the leader.</summary>
    public string? ReplicateFrom { get; init; }

    /// <summary>Never a synchronous standby.</summary>
    public bool NoSync { get; init; }

    /// <summary>Patroni 3.2+; 0 means never a candidate.</summary>
    public int? FailoverPriority { get; init; }
}
